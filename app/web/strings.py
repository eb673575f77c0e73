"""Words the scripts show (statuses, buttons, messages), translated on the server and handed to the page as
JSON, and the plain-language names of the API's codes (case types, courts, roles, states)."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

from app.assistant.insights import INSIGHTS
from app.cases.dashboard import ATTENTION
from app.understanding import messages as analysis_messages

CASE_TYPES = {
    "LANDLORD_TENANT": _l("Housing or eviction"), "SMALL_CLAIMS": _l("Small claim (money)"),
    "FAMILY_LAW": _l("Family (divorce, custody, support)"), "CIVIL_LITIGATION": _l("Other lawsuit"),
    "PERSONAL_INJURY": _l("Injury"), "BANKRUPTCY": _l("Bankruptcy"), "CRIMINAL_DEFENSE": _l("Criminal charge"),
    "OTHER": _l("Something else"),
}
COURT_TYPES = {
    "STATE_TRIAL": _l("State court"), "SMALL_CLAIMS": _l("Small claims court"), "FAMILY": _l("Family court"),
    "MAGISTRATE": _l("Magistrate court"), "MUNICIPAL": _l("City court"),
    "FEDERAL_DISTRICT": _l("Federal court"), "APPELLATE": _l("Appeals court"),
}
PARTY_ROLES = {
    "PLAINTIFF": _l("Plaintiff (started the case)"), "DEFENDANT": _l("Defendant (being sued)"),
    "PETITIONER": _l("Petitioner"), "RESPONDENT": _l("Respondent"), "LANDLORD": _l("Landlord"),
    "TENANT": _l("Tenant"), "ATTORNEY": _l("Lawyer"), "WITNESS": _l("Witness"), "OTHER": _l("Other"),
}
DOCUMENT_KINDS = {  # the analysis's document_type
    "complaint": _l("Complaint (starts a lawsuit)"), "summons": _l("Summons (you must answer)"),
    "notice": _l("Notice"), "order": _l("Court order"), "motion": _l("Motion (a request to the judge)"),
    "judgment": _l("Judgment (the court's decision)"), "form": _l("Court form"), "instructions": _l("Instructions"),
    "correspondence": _l("Letter"), "other": _l("Other paper"),
    "opinion": _l("Court opinion (a decision with reasons)"), "docket": _l("Docket (the list of filings)"),
    "notice_of_electronic_filing": _l("Court e-mail that something was filed"), "email": _l("E-mail"),
    "brief": _l("Brief (a written argument)"),
}
STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming",
}

_MESSAGES = {
    "status.QUEUED": _l("Waiting to start"), "status.PROCESSING": _l("Reading the document"),
    "status.PROCESSED": _l("Ready"), "status.FAILED": _l("Could not read it"),
    "deadline.SUGGESTED": _l("Please check"), "deadline.PENDING": _l("Confirmed"),
    "deadline.COMPLETED": _l("Done"), "deadline.MISSED": _l("Missed"), "deadline.DISMISSED": _l("Dismissed"),
    "confirm": _l("Confirm"), "add_to_case": _l("Add to my case"), "mark_read": _l("Mark as read"), "retry": _l("Try again"), "dismiss": _l("Dismiss"), "remove": _l("Remove"), "open": _l("Open"),
    "download": _l("Download"), "uploading": _l("Sending {name}"), "uploaded": _l("{name} sent"),
    "upload_failed": _l("{name} was not sent: {message}"), "duplicate": _l("{name} was already in this case"),
    "progress": _l("{name}: {percent} done"), "no_cases": _l("You have no cases yet. Start one below."),
    "no_documents": _l("No documents yet. Add a photo or a file below."),
    "no_deadlines": _l("No deadlines yet."), "nothing_to_check": _l("Nothing to check."),
    "no_parties": _l("No one yet. Confirm the people found in your papers above."), "no_notifications": _l("Nothing new."),
    "no_results": _l("Nothing found."), "loading": _l("Loading..."), "saved": _l("Saved."),
    "error": _l("Something went wrong: {message}"), "network": _l("We could not reach CaseOS. Check your internet."),
    "due": _l("Due {date}"), "your_time": _l("by {time} your time"), "choose_state": _l("Please choose the state where the court is."), "your_time_on": _l("by {time} on {date}, your time"), "today": _l("Today"), "tomorrow": _l("Tomorrow"), "in_days": _l("In {count} days"), "from_document": _l("Found in: {title}"), "quote": _l("Where it says"),
    "not_advice": _l("This is not legal advice. CaseOS reads your papers to help you; check every date and "
                     "fact with the court or a lawyer."),
    "summary": _l("What this paper is"), "parties": _l("People and businesses named"),
    "dates": _l("Dates"), "deadlines": _l("Deadlines"), "amounts": _l("Money amounts"),
    "next_steps": _l("What you can do next"), "issues": _l("Things to watch"), "citations": _l("Laws and rules mentioned"),
    "no_analysis": _l("No summary yet: the document is still being read."),
    "analysis_of": _l("Summary of {title}"), "doc_type": _l("Kind of paper: {type}"),
    "case_number": _l("Case number: {number}"), "in_progress": _l("{count} document(s) being read"),
    "signed_out": _l("You are signed out."), "form_ready": _l("Your form is ready."),
    "form_wait": _l("Filling the form..."), "form_missing": _l("Please fill: {fields}"),
    "steps": _l("How we counted"), "calc_none": _l("No deadline found for that event."),
    "added_suggested": _l("Added to the case. Confirm it below."), "you": _l("You"), "former_member": _l("Someone no longer on the team"), "caseos": _l("CaseOS (automatic)"), "assistant": _l("CaseOS"),
    "thinking": _l("Thinking..."), "members_only_owner": _l("Only the owner of an organization can see this."),
    "role_of": _l("Role of {name}"), "role.OWNER": _l("Owner"), "role.MEMBER": _l("Member"), "role.STAFF": _l("Staff"), "role.VIEWER": _l("Viewer"),
    "calendar_ready": _l("Copy this link into your calendar app. Anyone with the link can see your deadlines."),
    "required": _l("(required)"), "prefilled": _l("Leave it empty and CaseOS fills it from your case or your account."), "continue_with": _l("Continue with {name}"),
    "unlink": _l("Stop using {name}"), "password_way": _l("Your e-mail and password"), "link_with": _l("Also sign in with {name}"), "forms_fit": _l("Forms for this case"), "forms_other": _l("Other forms"), "choose": _l("Choose..."), "page": _l("page {number}"),
}

# Why a sign-in with a provider failed, by the API's error code (shown on the sign-in or account page the
# browser is sent back to; a code not listed gets the general sentence, never words from the address).
SIGNIN_ERRORS = {
    "oidc_state_invalid": _l("This sign-in was too old, already used, or started in another browser. Please "
                             "try again."),
    "oidc_cancelled": _l("The sign-in was stopped at the provider. Try again, or use your e-mail and password."),
    "oidc_token_invalid": _l("We could not check who you are with the provider, so you are not signed in. "
                             "Please try again."),
    "oidc_email_unverified": _l("The provider does not say your e-mail address is verified, so it cannot sign "
                                "you in. Verify it with the provider, or use your e-mail and password."),
    "oidc_identity_taken": _l("This provider account already signs in to another CaseOS account."),
    "forbidden": _l("This account cannot sign in. Ask the person who runs CaseOS for help."),
    "dependency_down": _l("The sign-in provider did not answer. Please try again in a few minutes."),
}
SIGNIN_FAILED = _l("The sign-in did not work. Please try again, or use your e-mail and password.")


# What the audit trail's action codes mean, as the team page shows them (tests/web/test_pages.py checks that
# every action the code records has one).
AUDIT_ACTIONS = {
    "calendar.rotate_key": _l("Made a new calendar link"), "case.create": _l("Started a case"),
    "case.update": _l("Changed a case"), "case.delete": _l("Deleted a case"),
    "chat.message": _l("Asked the assistant"), "chat.read": _l("Read a chat"),
    "deadline.create": _l("Added a deadline"), "deadline.update": _l("Changed a deadline"),
    "deadline.delete": _l("Deleted a deadline"), "deadline.missed": _l("A deadline passed"),
    "deadline.suggest": _l("Worked out a deadline"),
    "document.upload": _l("Uploaded a document"), "document.attachment": _l("Saved a file from a message"),
    "document.delete": _l("Deleted a document"), "document.download": _l("Downloaded a document"),
    "document.download_url": _l("Made a download link"), "document.read_analysis": _l("Read a summary"),
    "document.read_text": _l("Read a document's text"), "document.reprocess": _l("Read a document again"),
    "form.fill": _l("Asked to fill a form"), "form.filled": _l("A filled form was ready"),
    "notification.read": _l("Read a notification"),
    "organization.create": _l("Started the organization"), "organization.update": _l("Changed the organization"),
    "organization.delete": _l("Deleted the organization"), "organization.export": _l("Exported the organization's data"),
    "organization.invite": _l("Invited someone"), "organization.invite_decline": _l("Someone said no to an invitation"),
    "organization.member_join": _l("Someone joined"), "organization.member_role": _l("Changed someone's role"),
    "organization.member_remove": _l("Removed someone"),
    "party.create": _l("Added a person"), "party.update": _l("Changed a person"),
    "party.confirm": _l("Confirmed a person"), "party.delete": _l("Removed a person"),
    "research.request": _l("Asked for research"),
    "user.register": _l("Made an account"), "user.login": _l("Signed in"),
    "user.password_change": _l("Changed the password"), "user.identity_linked": _l("Linked a sign-in provider"),
    "user.identity_unlinked": _l("Unlinked a sign-in provider"),
}
RESOURCES = {
    "case": _l("Case"), "chat": _l("Chat"), "deadline": _l("Deadline"), "document": _l("Document"),
    "invitation": _l("Invitation"), "job": _l("Job"), "membership": _l("Membership"),
    "notification": _l("Notification"), "organization": _l("Organization"), "party": _l("Person"),
    "user": _l("Account"),
}


# CaseOS's own sentences sent by the API as messages {id, params, text} (app/platform/messages.py): the
# templates by id, and the labels a sentence may carry.
MESSAGES = {**analysis_messages.MESSAGES, **INSIGHTS, **ATTENTION}
# An analysis stored before messages existed has only its English sentences: the fixed ones are matched.
ANALYSIS_SENTENCES = tuple(t for t in analysis_messages.MESSAGES.values() if "{" not in t and t.endswith("."))


def client_strings() -> dict[str, str]:
    """Every word the scripts need, in the request's language."""
    out = {key: str(value) for key, value in _MESSAGES.items()}
    out.update({f"case_type.{k}": str(v) for k, v in CASE_TYPES.items()})
    out.update({f"court.{k}": str(v) for k, v in COURT_TYPES.items()})
    out.update({f"role.{k}": str(v) for k, v in PARTY_ROLES.items()})
    out.update({f"doctype.{k}": str(v) for k, v in DOCUMENT_KINDS.items()})
    out.update({f"audit.{k}": str(v) for k, v in AUDIT_ACTIONS.items()})
    out.update({f"resource.{k}": str(v) for k, v in RESOURCES.items()})
    out.update({f"date_label:{k}": str(gettext(v)) for k, v in analysis_messages.DATE_LABELS.items()})
    out.update(_translated("sentence:", {text: text for text in ANALYSIS_SENTENCES}))
    out.update(_translated("msg:", MESSAGES))
    out.update(_translated("task:", {label: label for label in analysis_messages.TASKS}))
    out.update(_translated("amount_label:", {label: label for label in analysis_messages.AMOUNT_LABELS}))
    out.update(_translated("party:", analysis_messages.ROLES))
    return out


def _translated(prefix: str, table: dict[str, str]) -> dict[str, str]:
    """Only what the page's language says differently: the scripts show the API's English text otherwise."""
    return {f"{prefix}{key}": gettext(text) for key, text in table.items() if gettext(text) != text}
