"""The analyzer's own sentences (issues, next steps, the summary) as messages (app/platform/messages.py): each
template below has a stable id, and the labels a sentence may carry (TASKS, AMOUNT_LABELS, ROLES) are listed so
the catalogue translates them too."""
from __future__ import annotations

from app.platform.messages import N_, Catalogue, dedupe, texts

__all__ = ["MESSAGES", "TASKS", "AMOUNT_LABELS", "DATE_LABELS", "ROLES", "message", "dedupe", "texts"]

MESSAGES = Catalogue({
    # what each kind of paper asks of the reader
    "summons.default_risk": N_("You may lose by default if you do not answer in time."),
    "summons.answer_when": N_("File a written answer with the court clerk {when}."),
    "summons.answer": N_("File a written answer with the court clerk before the deadline in the summons."),
    "summons.serve": N_("Give (serve) a copy of your answer to the other side or their lawyer, and keep a copy."),
    "complaint.sued": N_("You are being sued. If you do not file an answer in time, the court can decide against you "
                         "by default."),
    "complaint.paragraphs": N_("Read each numbered paragraph and write down what is true and what is not. Your "
                               "answer must respond to each one."),
    "complaint.answer_when": N_("File your answer {when}."),
    "complaint.find_deadline": N_("Find your deadline to answer. It is usually on the summons that came with this "
                                  "complaint."),
    "notice.read": N_("Read the notice for anything you must do and the date to do it."),
    "eviction.not_an_order": N_("This notice is not an eviction order. Only a court can order you to move out."),
    "eviction.pay_stops": N_("If you pay all the rent owed in time, you may be able to stop the eviction."),
    "eviction.pay_when": N_("If you can, pay the rent owed {when}. Get a receipt."),
    "eviction.keep_date": N_("Do not ignore this notice. Write down the date you got it."),
    "eviction.court_papers": N_("If you get court papers (a summons and complaint), file an answer on time and go to "
                                "every hearing."),
    "order.command": N_("An order is a command from the court. If you do not follow it, you could face penalties or "
                        "lose your case."),
    "order.follow_dates": N_("Do what the order says by the dates it gives."),
    "order.follow": N_("Do what the order says."),
    "order.disagree": N_("If you disagree with the order, ask the clerk or a lawyer right away about appeal or "
                         "reconsideration deadlines. They can be short."),
    "motion.respond_risk": N_("If you do not respond, the judge may grant the motion without hearing your side."),
    "motion.dismissal": N_("If this motion is granted, the case could be dismissed."),
    "motion.respond_when": N_("File a written response (opposition) {when}."),
    "motion.find_deadline": N_("Find out the deadline to file a written response (opposition). Ask the clerk if you "
                               "are not sure."),
    "judgment.entered": N_("A judgment was entered. The other side can try to collect money or take other steps to "
                           "enforce it."),
    "judgment.default": N_("This was a default judgment. You may be able to ask the court to undo (vacate) it, but "
                           "you must act fast."),
    "judgment.vacate": N_("Ask the clerk how to file a motion to vacate (undo) the default judgment."),
    "judgment.appeal_when": N_("If you want to appeal, file a notice of appeal {when}."),
    "judgment.collection": N_("Ask about payment plans, and which of your money and property is protected from "
                              "collection."),
    "letter.not_an_order": N_("This letter is not a court order. But it may mention real court deadlines."),
    "letter.keep": N_("Keep this letter with your court papers."),
    "letter.in_writing": N_("If you answer, do it in writing and keep a copy."),
    "form.blank_parts": N_("Leaving required parts of a form blank can delay your case."),
    "form.fill": N_("Fill in every part that applies to you, then sign and date the form."),
    "form.file": N_("File the form with the court clerk and keep a copy for yourself."),
    "instructions.general": N_("These are general instructions. The dates that apply to you are on your own court "
                               "papers."),
    "instructions.follow": N_("Follow the steps in order and check your own papers for your dates."),
    "safety.emergency": N_("If you are in danger right now, call 911. The National Domestic Violence Hotline "
                           "(1-800-799-7233, or text START to 88788) can help you make a safety plan."),
    # dates placed against today and the paper's own date
    "hearing.past": N_("The hearing date {date} is past ({why}). It is not a date to go to court."),
    "hearing.miss_risk": N_("If you miss the hearing on {date}, the court may decide against you."),
    "hearing.go": N_("Go to court on {date}. Arrive early and bring papers, photos, receipts and witnesses that "
                     "support your side."),
    "deadline.from_receipt": N_("Your deadline counts from the day you got these papers. Write that date down now."),
    "deadline.passed": N_("The deadline of {date} ({task}) has passed ({why}). If it was not done, contact the court "
                          "clerk or legal aid right away."),
    "deadline.soon": N_("A deadline is coming up soon: {date} ({task})."),
    "deadline.due_date_passed": N_("The paper gives {date} as a due date, and it has passed ({why}). If it applied "
                                   "to you and was not done, contact the court clerk or legal aid right away."),
    "deadline.mark": N_("Mark {date} on your calendar: {task}."),
    "money.check": N_("The document mentions money: {amount} ({amount_label}). Check that the amount is right."),
    "fees.waiver": N_("If you cannot afford court fees, ask the clerk for a fee waiver form."),
    "legal_aid": N_("Contact a legal aid office or a lawyer for advice about your situation."),
    # the summary: what the paper is, who it names, the date that matters most
    "summary.kind": N_("This looks like {kind}."),
    "summary.kind_number": N_("This looks like {kind}, case number {number}."),
    "summary.kind_from": N_("This looks like {kind} from the {court}."),
    "summary.kind_from_number": N_("This looks like {kind} from the {court}, case number {number}."),
    "summary.kind_mentions": N_("This looks like {kind} that mentions the {court}."),
    "summary.kind_mentions_number": N_("This looks like {kind} that mentions the {court}, case number {number}."),
    "summary.involves": N_("It involves {name} ({role}) and {other} ({other_role})."),
    "summary.names": N_("It names {name} ({role})."),
    "summary.key_deadline": N_("Key deadline: {task} {when}."),
    "summary.key_hearing": N_("Key date: a hearing on {date}."),
    "summary.dates_past": N_("The dates it sets are past (the last one is {date})."),
    "summary.no_text": N_("The document has no readable text. If it is a scan, the text may not have been read yet."),
    "kind.complaint": N_("a complaint (the paper that starts a lawsuit)"), "kind.summons": N_("a court summons"),
    "kind.notice": N_("a notice"), "kind.eviction_notice": N_("an eviction notice"), "kind.order": N_("a court order"),
    "kind.motion": N_("a motion (a request asking the judge to do something)"),
    "kind.judgment": N_("a judgment (the court's decision)"), "kind.form": N_("a court form"),
    "kind.instructions": N_("a set of instructions"), "kind.correspondence": N_("a letter"),
    "kind.other": N_("a document"), "kind.opinion": N_("a court opinion (a decision with the court's reasons)"),
    "kind.docket": N_("a court docket (the case's list of filings)"),
    "kind.notice_of_electronic_filing": N_("a notice of electronic filing (the court's e-mail that something was "
                                           "filed)"),
    "kind.email": N_("an e-mail"), "kind.brief": N_("a brief (a party's written argument)"),
    # parts of sentences
    "when.by": N_("by {date}"),
    "when.within": N_("within {period} {unit} {direction} {anchor}"),
    "past.before_paper": N_("it is before the date of this paper, {date}"),
    "past.before_today": N_("it is before today, {date}"),
    "past.past": N_("it is in the past"),
    "unit.days": N_("days"), "unit.court_days": N_("court days"), "unit.hours": N_("hours"),
    "unit.months": N_("months"),
    "direction.after": N_("after"), "direction.before": N_("before"),
    "anchor.notice": N_("the date of this document"), "anchor.service": N_("service"),
    "anchor.receipt": N_("receipt of the papers"), "anchor.entry": N_("entry of the order or judgment"),
    "anchor.hearing": N_("the hearing"), "anchor.filing": N_("filing"), "anchor.mailing": N_("mailing"),
    "anchor.docketing": N_("docketing"), "anchor.event": N_("the event"),
})
message = MESSAGES
# a party's role inside a sentence ("It names Jordan Rivers (tenant)."); a role not listed is shown as its code
ROLES = {
    "PLAINTIFF": N_("plaintiff"), "DEFENDANT": N_("defendant"), "PETITIONER": N_("petitioner"),
    "RESPONDENT": N_("respondent"), "LANDLORD": N_("landlord"), "TENANT": N_("tenant"), "ATTORNEY": N_("attorney"),
    "WITNESS": N_("witness"), "OTHER": N_("other"), "APPELLANT": N_("appellant"), "APPELLEE": N_("appellee"),
    "DEBTOR": N_("debtor"), "CREDITOR": N_("creditor"), "TRUSTEE": N_("trustee"),
}

# What must be done by a deadline (app/understanding/deadlines.py labels; also the titles of the deadlines
# they become), and what a sum of money is (app/understanding/amounts.py): shown translated.
TASKS = (
    N_("File an appeal"), N_("Respond in writing (show cause)"), N_("File a counterclaim"),
    N_("File a demand for a jury trial"), N_("Answer the discovery requests"), N_("Surrender firearms"),
    N_("Pay what you owe or move out"), N_("Pay the amount owed"), N_("Move out"), N_("File a reply"),
    N_("File an objection"), N_("File a response"), N_("File an answer"), N_("Return the completed form"),
    N_("File and serve the motion"), N_("File papers with the court"), N_("Deadline"), N_("Send comments"),
    N_("Deadline from document"),
)
DATE_LABELS = {  # what happens on a date the paper gives (app/understanding/dates.py)
    "hearing": N_("Hearing"), "due": N_("Due"), "served": N_("Served"), "entered": N_("Entered by the court"),
    "filed": N_("Filed"), "issued": N_("Issued"), "signed": N_("Signed"), "other": N_("Date in the paper"),
    "decided": N_("Decided by the court"), "argued": N_("Argued"), "submitted": N_("Submitted for decision"),
}
AMOUNT_LABELS = (
    N_("amount"), N_("amount claimed"), N_("amount demanded"), N_("amount in controversy"), N_("amount owed"), N_("attorney's fees"),
    N_("bond"), N_("court costs"), N_("damages"), N_("debt"), N_("fee"), N_("filing fee"), N_("fine"),
    N_("interest"), N_("judgment amount"), N_("late fee"), N_("lost wages"), N_("medical expenses"),
    N_("monthly payment"), N_("monthly rent"), N_("payment"), N_("principal balance"), N_("rent owed"),
    N_("security deposit"), N_("support payment"), N_("total amount"), N_("arrears of rent"), N_("rent"),
)
