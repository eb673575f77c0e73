"""Case chat and research: what goes in, what comes out."""
from marshmallow import ValidationError, fields, validate, validates

from app.schemas.common import OutSchema, StrictSchema, page_of
from app.schemas.document import JobOut


class ChatIn(StrictSchema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=4000),
                            metadata={"description": "The question (1..4000 characters)."})
    chat_id = fields.UUID(allow_none=True, metadata={"description": "Continue this chat; omit to start a new one."})

    @validates("message")
    def _not_blank(self, value, **_kw):
        if not value.strip():
            raise ValidationError("Type a question.")


class ChatSourceOut(OutSchema):
    document_id = fields.UUID(required=True)
    title = fields.String(required=True)
    page = fields.Integer(required=True)
    excerpt = fields.String(allow_none=True, metadata={"description": "The passage quoted; null once the "
                                                                      "document has been deleted."})
    document_deleted = fields.Boolean()


class ChatMessageOut(OutSchema):
    id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("user", "assistant")))
    content = fields.String(required=True)
    sources = fields.List(fields.Nested(ChatSourceOut), required=True)
    provider = fields.String(allow_none=True, metadata={"description": "local, openai or anthropic (answers)."})
    created_at = fields.DateTime(required=True)


class ChatOut(OutSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    user_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(required=True)
    messages = fields.List(fields.Nested(ChatMessageOut), required=True)


class ChatSummaryOut(OutSchema):
    id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    user_id = fields.UUID(allow_none=True)
    title = fields.String(required=True, metadata={"description": "The start of the first question."})
    message_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_message_at = fields.DateTime(allow_none=True)


ChatList = page_of(ChatSummaryOut, "ChatList")


class ResearchIn(StrictSchema):
    topic = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    jurisdiction = fields.String(
        required=True, validate=[validate.Length(min=2, max=40),
                                 validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 .-]*$",
                                                 error="Use a jurisdiction code such as US-FED, US-WV or US-MA.")],
        metadata={"description": "A code such as US-FED; an unknown one is answered with what CaseOS cannot know."})

    @validates("topic")
    def _not_blank(self, value, **_kw):
        if not value.strip():
            raise ValidationError("Say what you want to know.")


class ResearchAccepted(OutSchema):
    job = fields.Nested(JobOut, required=True)
