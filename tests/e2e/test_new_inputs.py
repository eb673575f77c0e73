"""Word files, web pages, e-mail messages (with their attachments) and phone photos, end to end:
upload -> processed -> analysis, through the API and the real worker."""
import pytest

from app.documents.filetypes import DOCX
from tests.documents import samples
from tests.documents.test_inputs import photo
from tests.e2e.helpers import upload, wait_document

pytestmark = pytest.mark.e2e


def _processed(user, case_id, data, filename):
    r = upload(user, case_id, data, filename=filename)
    assert r.status_code == 202, r.get_json()
    doc = wait_document(user, r.get_json()["document"]["id"])
    assert doc["status"] == "PROCESSED", doc
    return doc, user.get(f"/api/v1/documents/{doc['id']}/analysis").get_json()


def test_word_and_web_page_uploads_are_read_and_analysed(worker, make_user):
    u = make_user()
    case = u.create_case(title="Riverside v. Gonzalez")
    doc, a = _processed(u, case["id"], samples.eviction_docx(), "summons.docx")
    assert doc["content_type"] == DOCX and doc["page_count"] == 2
    assert any("24-M20C-01234" in c["value"] for c in a["case_numbers"]), a["case_numbers"]
    assert any(p["role"] == "DEFENDANT" and "Gonzalez" in p["name"] for p in a["parties"]), a["parties"]
    doc, a = _processed(u, case["id"], samples.court_notice_html(), "notice.html")
    assert doc["content_type"] == "text/html"
    assert any("3:24-cv-05678" in c["value"] for c in a["case_numbers"]), a["case_numbers"]
    text = u.get(f"/api/v1/documents/{doc['id']}/text").get_json()["text"]
    assert "document.cookie" not in text and "Acme Widgets, Inc." in text
    r = u.get(f"/api/v1/documents/{doc['id']}/content")
    r.close()  # a web page is never served back inline: a sandboxed attachment
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in r.headers["Content-Security-Policy"] and r.headers["X-Content-Type-Options"] == "nosniff"


def test_email_message_and_its_attachments_become_documents_of_the_case(worker, make_user):
    u = make_user()
    case = u.create_case(title="Acme v. Lee")
    data = samples.nef_email(html_only=True, attachments=[
        ("summons.docx", DOCX, samples.eviction_docx()),
        ("order.txt", "text/plain", b"ORDER. The hearing set for April 9, 2031 is confirmed.\n"),
        ("program.exe", "application/octet-stream", b"MZ\x90\x00 not a court paper"),
    ])
    message, a = _processed(u, case["id"], data, "Activity in Case 3_24-cv-05678.eml")
    assert message["content_type"] == "message/rfc822"
    assert any("3:24-cv-05678" in c["value"] for c in a["case_numbers"]), a["case_numbers"]
    text = u.get(f"/api/v1/documents/{message['id']}/text").get_json()["text"]
    assert "Content-Type" not in text and "Signed by Judge James Donato" in text
    docs = u.get(f"/api/v1/cases/{case['id']}/documents?per_page=50").get_json()["items"]
    attached = {d["filename"]: d for d in docs if d.get("parent_document_id") == message["id"]}
    assert set(attached) == {"summons.docx", "order.txt"}  # the program is not a document
    for d in attached.values():
        assert wait_document(u, d["id"])["status"] == "PROCESSED"
    a = u.get(f"/api/v1/documents/{attached['summons.docx']['id']}/analysis").get_json()
    assert any("24-M20C-01234" in c["value"] for c in a["case_numbers"])
    # the same message again is the same document: nothing is attached twice
    again = upload(u, case["id"], data, filename="again.eml")
    assert again.status_code == 200 and again.get_json()["duplicate"]


@pytest.mark.parametrize("fmt, name", [("HEIF", "IMG_0412.HEIC"), ("WEBP", "notice.webp")])
def test_phone_photo_uploads_are_read(worker, make_user, fmt, name):
    u = make_user()
    case = u.create_case(title="Notice to quit")
    doc, a = _processed(u, case["id"], photo(fmt, ("NOTICE TO QUIT", "Case No. 2031-LT-000417",
                                                    "You must leave by May 1, 2031.")), name)
    assert doc["content_type"] in ("image/heic", "image/webp")
    text = u.get(f"/api/v1/documents/{doc['id']}/text").get_json()["text"]
    assert "NOTICE TO QUIT" in text and "May 1, 2031" in text
    assert any(d.get("date") == "2031-05-01" or d.get("due_date") == "2031-05-01"
               for d in a["dates"] + a["deadlines"]), (a["dates"], a["deadlines"])


def test_a_flattened_form_gives_its_parties(worker, make_user):
    """The file draws every label, then every value: read in visual order, the parties are found
    (PDFium's own order gives none: "Plaintiff:" and the name are six lines apart)."""
    u = make_user()
    case = u.create_case(title="Riverside v. Gonzalez (form)")
    doc, a = _processed(u, case["id"], samples.flattened_form_pdf(), "magistrate form.pdf")
    found = {(p["role"], p["name"]) for p in a["parties"]}
    assert ("PLAINTIFF", "Riverside Property Management LLC") in found, found
    assert ("DEFENDANT", "Maria Gonzalez") in found, found
