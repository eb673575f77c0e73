"""Plain-language guidance the assistant adds: next steps by case type, where to find legal aid."""
from __future__ import annotations



# ============================================================================ guidance

CASE_TYPE_NAMES = {
    "CIVIL_LITIGATION": "civil", "FAMILY_LAW": "family law", "CRIMINAL_DEFENSE": "criminal",
    "PERSONAL_INJURY": "personal injury", "BANKRUPTCY": "bankruptcy", "LANDLORD_TENANT": "landlord-tenant",
    "SMALL_CLAIMS": "small claims", "OTHER": "",
}
NEXT_STEPS = {
    "LANDLORD_TENANT": [
        "Read every paper you received for the hearing date and the deadline to file a written answer or defense.",
        "Go to every hearing, on time; missing one can mean an eviction order by default.",
        "Keep proof: your lease, rent receipts, photos of conditions, and every letter or text with the landlord.",
        "If you can pay what is owed, ask the court or the landlord in writing about paying to stop the case.",
    ],
    "SMALL_CLAIMS": [
        "Note the hearing date and bring every document, photo and receipt that proves your side.",
        "Bring copies: one for the judge, one for the other side, one for you.",
        "Ask the clerk whether you must file a written answer or counterclaim before the hearing.",
    ],
    "FAMILY_LAW": [
        "Write down every hearing date and the date each response is due.",
        "Gather financial papers (pay stubs, tax returns, expenses) and anything about the children's care.",
        "Ask the court's family self-help center about mediation and the forms you must file.",
    ],
    "CIVIL_LITIGATION": [
        "Find the date you were served: the time to file an answer usually runs from it.",
        "File a written answer (or a motion) with the court before the deadline and send a copy to the other side.",
        "Keep copies of everything you file, with the date it was filed and served.",
    ],
    "PERSONAL_INJURY": [
        "Keep medical records, bills, photos and the names of witnesses together.",
        "Watch the time limit to sue (statute of limitations) and the deadline to answer if you were sued.",
        "Many injury lawyers give a free first consultation; consider talking to one.",
    ],
    "BANKRUPTCY": [
        "Note the date of the meeting of creditors (341 meeting) and every filing deadline in the notice.",
        "Complete the required credit counseling and debtor education courses.",
        "Keep your tax returns, pay stubs and bank statements ready for the trustee.",
    ],
    "CRIMINAL_DEFENSE": [
        "You may have the right to a court-appointed lawyer: ask for one at your first court date.",
        "Do not discuss the facts of the case with anyone but your lawyer.",
        "Go to every court date; missing one can lead to a warrant.",
    ],
}
DEFAULT_STEPS = [
    "Write down every court date and deadline, and check them with the clerk's office.",
    "Keep copies of everything you file or receive, with the dates.",
    "Ask the court's self-help center which forms apply to your situation.",
]
LEGAL_AID = {
    "US-WV": "Legal Aid of West Virginia (lawv.net) gives free help with civil cases; the circuit or "
             "magistrate clerk can explain court procedures.",
    "US-MA": "Massachusetts Legal Help (masslegalhelp.org) lists free legal aid; the Trial Court's Court "
             "Service Centers help people without lawyers.",
    "US-FED": "Many federal district courts have a pro se help desk or clinic; see the court's website and "
              "uscourts.gov (\"Representing yourself\").",
}
DEFAULT_AID = ("LawHelp.org lists free legal aid programs by state; the court clerk and the court's "
               "self-help center can explain procedures (they cannot give legal advice).")


def _legal_aid(jurisdiction: str | None) -> str:
    return LEGAL_AID.get((jurisdiction or "").upper(), DEFAULT_AID)
