"""Words the scripts show (statuses, buttons, messages), translated on the server and handed to the page as
JSON, and the plain-language names of the API's codes (case types, courts, roles, states)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
    "confirm": _l("Confirm"), "dismiss": _l("Dismiss"), "remove": _l("Remove"), "open": _l("Open"),
    "download": _l("Download"), "uploading": _l("Sending {name}"), "uploaded": _l("{name} sent"),
    "upload_failed": _l("{name} was not sent: {message}"), "duplicate": _l("{name} was already in this case"),
    "progress": _l("{name}: {percent}% done"), "no_cases": _l("You have no cases yet. Start one below."),
    "no_documents": _l("No documents yet. Add a photo or a file below."),
    "no_deadlines": _l("No deadlines yet."), "no_notifications": _l("Nothing new."),
    "no_results": _l("Nothing found."), "loading": _l("Loading..."), "saved": _l("Saved."),
    "error": _l("Something went wrong: {message}"), "network": _l("We could not reach CaseOS. Check your internet."),
    "due": _l("Due {date}"), "from_document": _l("Found in: {title}"), "quote": _l("Where it says"),
    "not_advice": _l("This is not legal advice. CaseOS reads your papers to help you; check every date and "
                     "fact with the court or a lawyer."),
    "summary": _l("What this paper is"), "parties": _l("People and businesses named"),
    "dates": _l("Dates"), "deadlines": _l("Deadlines"), "amounts": _l("Money amounts"),
    "next_steps": _l("What you can do next"), "citations": _l("Laws and rules mentioned"),
    "no_analysis": _l("No summary yet: the document is still being read."),
    "analysis_of": _l("Summary of {title}"), "doc_type": _l("Kind of paper: {type}"),
    "case_number": _l("Case number: {number}"), "in_progress": _l("{count} document(s) being read"),
    "signed_out": _l("You are signed out."), "form_ready": _l("Your form is ready."),
    "form_wait": _l("Filling the form..."), "form_missing": _l("Please fill: {fields}"),
    "steps": _l("How we counted"), "calc_none": _l("No deadline found for that event."),
    "added_suggested": _l("Added to the case. Confirm it below."), "you": _l("You"), "assistant": _l("CaseOS"),
    "thinking": _l("Thinking..."), "members_only_owner": _l("Only the owner of an organization can see this."),
    "role.OWNER": _l("Owner"), "role.MEMBER": _l("Member"), "role.VIEWER": _l("Viewer"),
    "calendar_ready": _l("Copy this link into your calendar app. Anyone with the link can see your deadlines."),
    "required": _l("(required)"), "choose": _l("Choose..."), "page": _l("page {number}"),
}


def client_strings() -> dict[str, str]:
    """Every word the scripts need, in the request's language."""
    out = {key: str(value) for key, value in _MESSAGES.items()}
    out.update({f"case_type.{k}": str(v) for k, v in CASE_TYPES.items()})
    out.update({f"court.{k}": str(v) for k, v in COURT_TYPES.items()})
    out.update({f"role.{k}": str(v) for k, v in PARTY_ROLES.items()})
    return out
