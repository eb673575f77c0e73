"""Words the scripts show (statuses, buttons, messages), translated on the server and handed to the page as
JSON, and the plain-language names of the API's codes (case types, courts, roles, states)."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l

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
    "due": _l("Due {date}"), "today": _l("Today"), "tomorrow": _l("Tomorrow"), "in_days": _l("In {count} days"), "from_document": _l("Found in: {title}"), "quote": _l("Where it says"),
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


def N_(text: str) -> str:
    """Marks a string for the catalogue without translating it here (it is translated per request)."""
    return text


# Fixed sentences of the analysis (issues and next steps, app/understanding/advice.py): shown translated when the
# sentence is one of these; a sentence with its own dates or amounts is shown as the analyzer wrote it.
ANALYSIS_SENTENCES = (
    N_("A judgment was entered. The other side can try to collect money or take other steps to enforce it."),
    N_("An order is a command from the court. If you do not follow it, you could face penalties or lose your case."),
    N_("Ask about payment plans, and which of your money and property is protected from collection."),
    N_("Ask the clerk how to file a motion to vacate (undo) the default judgment."),
    N_("Contact a legal aid office or a lawyer for advice about your situation."),
    N_("Do not ignore this notice. Write down the date you got it."),
    N_("Do what the order says by the dates it gives."),
    N_("Do what the order says."),
    N_("File a written answer with the court clerk before the deadline in the summons."),
    N_("File the form with the court clerk and keep a copy for yourself."),
    N_("Fill in every part that applies to you, then sign and date the form."),
    N_("Find out the deadline to file a written response (opposition). Ask the clerk if you are not sure."),
    N_("Find your deadline to answer. It is usually on the summons that came with this complaint."),
    N_("Follow the steps in order and check your own papers for your dates."),
    N_("Give (serve) a copy of your answer to the other side or their lawyer, and keep a copy."),
    N_("If this motion is granted, the case could be dismissed."),
    N_("If you answer, do it in writing and keep a copy."),
    N_("If you cannot afford court fees, ask the clerk for a fee waiver form."),
    N_("If you do not respond, the judge may grant the motion without hearing your side."),
    N_("If you get court papers (a summons and complaint), file an answer on time and go to every hearing."),
    N_("If you pay all the rent owed in time, you may be able to stop the eviction."),
    N_("Keep this letter with your court papers."),
    N_("Leaving required parts of a form blank can delay your case."),
    N_("Read each numbered paragraph and write down what is true and what is not. Your answer must respond to "
       "each one."),
    N_("Read the notice for anything you must do and the date to do it."),
    N_("These are general instructions. The dates that apply to you are on your own court papers."),
    N_("This letter is not a court order. But it may mention real court deadlines."),
    N_("This notice is not an eviction order. Only a court can order you to move out."),
    N_("This was a default judgment. You may be able to ask the court to undo (vacate) it, but you must act fast."),
    N_("You are being sued. If you do not file an answer in time, the court can decide against you by default."),
    N_("You may lose by default if you do not answer in time."),
    N_("Your deadline counts from the day you got these papers. Write that date down now."),
)


def client_strings() -> dict[str, str]:
    """Every word the scripts need, in the request's language."""
    out = {key: str(value) for key, value in _MESSAGES.items()}
    out.update({f"case_type.{k}": str(v) for k, v in CASE_TYPES.items()})
    out.update({f"court.{k}": str(v) for k, v in COURT_TYPES.items()})
    out.update({f"role.{k}": str(v) for k, v in PARTY_ROLES.items()})
    out.update({f"doctype.{k}": str(v) for k, v in DOCUMENT_KINDS.items()})
    out.update({f"audit.{k}": str(v) for k, v in AUDIT_ACTIONS.items()})
    out.update({f"resource.{k}": str(v) for k, v in RESOURCES.items()})
    out.update({f"sentence:{text}": gettext(text) for text in ANALYSIS_SENTENCES if gettext(text) != text})
    return out
