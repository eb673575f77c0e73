"""All models, imported so that Alembic and the app see every table."""
from app.models.audit import AuditEvent
from app.models.case import Case, Party
from app.models.chat import Chat, ChatMessage
from app.models.deadline import Deadline, Notification, ReminderDelivery
from app.models.document import AICache, Document, DocumentAnalysis, DocumentPage
from app.models.identity import OAuthIdentity, OAuthState
from app.models.job import Event, Job
from app.models.org import Invitation, Membership, Organization
from app.models.search import SearchEntry
from app.models.user import ApiToken, User

__all__ = ["AICache", "ApiToken", "AuditEvent", "Case", "Chat", "ChatMessage", "Deadline", "Document",
           "DocumentAnalysis", "DocumentPage", "Event", "Invitation", "Job", "Membership", "Notification", "OAuthIdentity", "OAuthState", "Organization",
           "Party", "ReminderDelivery", "SearchEntry", "User"]
