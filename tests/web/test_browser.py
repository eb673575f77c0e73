"""The web client in a real browser against the full stack: a person signs up, starts a case, photographs a
court paper, watches it being read, checks what CaseOS found, works out a deadline, fills a form, searches,
asks a question and signs out - on a desktop screen and on a 360-px phone. Every page is screenshotted
(var/screenshots/, not committed) and scanned with axe-core: no serious or critical WCAG 2.1 AA violation."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.keys import Keys

from devkit.docgen import render_text_image
from tests.web.browser import DESKTOP, PHONE

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PASSWORD = "correct horse battery staple"


def summons_photo(tmp_path: Path, due: date) -> Path:
    """A photographed court notice (rendered text, as a phone camera would give it) with one answer date."""
    text = (f"COMMONWEALTH OF MASSACHUSETTS\nHOUSING COURT DEPARTMENT\n\nSUMMARY PROCESS SUMMONS\n\n"
            f"Greenway Apartments LLC, Plaintiff\nv.\nJordan Rivers, Defendant\n\nCase No. 26H79SP001234\n\n"
            f"You must file your written answer no later than {due.strftime('%B')} {due.day}, {due.year}.\n"
            f"If you do not answer, judgment may enter against you for possession and rent of $2,350.00.\n")
    path = tmp_path / "summons-photo.png"
    render_text_image(text).save(path)
    return path


def sign_up(br, name: str) -> str:
    br.go("/app/")
    br.wait_path("/app/signin")
    google = br.wait_css("#provider-buttons a", "Continue with Google")  # a configured provider gets its button
    assert "/api/v1/auth/oidc/google/start?next=%2Fapp%2Fdashboard" in google.get_attribute("href")
    br.look("signin")
    br.click("a[href='/app/signup']")
    br.wait_css("#signup-form")
    br.look("signup")
    email = f"web-{uuid.uuid4().hex[:10]}@example.test"
    br.type("#name", name)
    br.type("#email", email)
    br.type("#password", PASSWORD)
    br.click("#signup-form button[type=submit]")
    br.wait_path("/app/dashboard")
    br.wait_css("#cases li")
    return email


def start_case(br, title: str) -> str:
    br.look("dashboard")
    br.type("#title", title)
    br.select("#case_type", "LANDLORD_TENANT")
    br.select("#court_type", "STATE_TRIAL")
    br.select("#state", "MA")
    br.click("#new-case button[type=submit]")
    br.wait_path("/app/cases/")
    br.wait_css("#case-title", title)
    return br.path.split("/")[3]


def upload_and_watch(br, files: list[Path]):
    br.find("#camera").send_keys("\n".join(str(f) for f in files))
    for f in files:
        br.wait_css("#upload-progress li", f"{f.name} sent", timeout=60)
    for f in files:  # the event stream moves each document to Ready
        br.wait_css(f"#document-list li[data-status=PROCESSED]", f.name, timeout=150)
    br.wait(lambda d: not br.all("#insight-list li[data-code=no_documents]"), message="still asks for papers")
    br.look("case-processed")


def a_paper_that_cannot_be_read(br, path: Path):
    """A broken PDF: the person is told why and offered to try again."""
    br.find("#files").send_keys(str(path))
    item = br.wait_css("#document-list li[data-status=FAILED]", path.name, timeout=90)
    assert item.find_element("css selector", ".meta").text  # what went wrong, in words
    assert item.find_element("css selector", "button").text == "Try again"


def read_analysis(br, name: str):
    br.click(f"#document-list li[data-status=PROCESSED] button[aria-label$='{name}']")
    br.wait_css("#analysis-body blockquote q", "no later than", timeout=30)  # each finding with its words
    br.click("#analysis-body details summary")  # the paper's text, with those words marked
    assert any("no later than" in m.text for m in br.all("#analysis-body .doc-text mark"))
    assert br.wait_css("#analysis .notice", "Not legal advice").is_displayed()
    assert br.find("#analysis-body h3").text.endswith(name)
    br.look("analysis")


def confirm_deadline(br, due: date):
    item = br.wait_css("#suggested-deadlines li[data-status=SUGGESTED]", str(due.year), timeout=30)
    title = item.find_element("css selector", "span").text
    item.find_element("css selector", "button.primary").click()
    confirmed = br.wait_css("#deadline-list li[data-status=PENDING]", title)
    assert str(due.year) in confirmed.text
    assert not [li for li in br.all("#suggested-deadlines li[data-status=SUGGESTED]") if title in li.text]


def confirm_party(br, name: str):
    item = br.wait_css("#suggested-parties li[data-status=SUGGESTED]", name, timeout=30)
    item.find_element("css selector", "button.primary").click()
    br.wait_css("#party-list li[data-status=CONFIRMED]", name)
    assert not [li for li in br.all("#suggested-parties li") if name in li.text]


def calculate(br):
    br.wait(lambda d: len(br.all("#trigger option")) > 0 and br.find("#trigger option").get_attribute("value"))
    br.wait(lambda d: br.all("#service_method option[value=mail]"))  # the jurisdiction's ways of serving papers
    br.select("#service_method", "mail")
    br.click("#calculator button[type=submit]")
    calc = br.wait_css("#calc-result .calc")
    assert calc.find_elements("css selector", "ol li"), calc.text  # the counting steps are shown
    title = calc.find_element("css selector", "h4").text.split(":")[0]
    br.look("calculator")
    br.click("#calc-add")  # added as SUGGESTED, waiting for the person to confirm it
    br.wait_css("#suggested-deadlines li[data-status=SUGGESTED]", title[:40])


def fill_form(br):
    br.wait(lambda d: br.all("#form-choice option[value=ma_affidavit_of_indigency]"))
    br.select("#form-choice", "ma_affidavit_of_indigency")
    br.wait_css("#form-fields label")
    assert br.all("#form-fields .help")  # fields the case fills in say so
    br.click("#form-fill button[type=submit]")
    br.click("#form-download", None)
    pdf = br.wait_download(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    br.look("form", "#forms")


def search(br):
    br.type("#q", "judgment")
    br.click("#search-form button[type=submit]")
    hit = br.wait_css("#search-results li mark")
    assert hit.text.lower().startswith("judg")


def ask(br):
    br.type("#question", "When must I file my answer?")
    br.click("#chat-form button[type=submit]")
    br.wait(lambda d: br.all("#chat-log li.bot") and "..." not in br.all("#chat-log li.bot")[-1].text[-3:],
            timeout=60)
    answer = br.all("#chat-log li.bot")[-1].text
    assert "Something went wrong" not in answer and len(answer) > 20, answer
    br.look("case-chat", "#chat")


def account_and_team(br, colleague_email: str, accept_invitation):
    br.click("a[href='/app/account']")
    br.wait_css("#profile")
    br.click("#calendar-key")
    url = br.wait_css("#calendar-url").get_attribute("value")
    assert "/api/v1/calendar.ics?key=" in url
    br.wait_css("#link-buttons a", "Also sign in with Google")
    br.look("account")
    br.click("a[href='/app/organization']")
    br.wait_css("#audit tr")  # the owner of the personal organization sees its audit trail
    br.type("#org-name", "Legal Aid North")
    br.click("#new-org button[type=submit]")
    br.wait(lambda d: br.find("#org option:checked").text == "Legal Aid North")
    org_id = br.find("#org").get_attribute("value")
    br.wait_css(f"#members[data-org-id='{org_id}'] li", "Jordan Rivers")
    br.type("#member-email", colleague_email)
    br.select("#member-role", "VIEWER")
    br.click("#add-member button[type=submit]")
    br.wait_css("#audit tr[data-action='organization.invite']", "Invited someone")  # an invitation: nothing changes until the colleague accepts
    accept_invitation()
    br.select("#org", org_id)  # show the organization again
    row = br.wait_css(f"#members[data-org-id='{org_id}'] li", colleague_email)
    assert row.find_element("css selector", "select").get_attribute("value") == "VIEWER"
    br.wait_css("#audit tr[data-action='organization.member_join']", "Someone joined")
    br.look("organization")


def accept_by_api(base: str, email: str):
    """The colleague accepts every invitation waiting for them (as they would from their own account)."""
    token = requests.post(f"{base}/api/v1/auth/login", json={"email": email, "password": PASSWORD},
                          timeout=30).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for inv in requests.get(f"{base}/api/v1/invitations", headers=headers, timeout=30).json()["items"]:
        assert requests.post(f"{base}/api/v1/invitations/{inv['id']}/accept", headers=headers,
                             timeout=30).status_code == 200


def register_by_api(base: str) -> str:
    email = f"colleague-{uuid.uuid4().hex[:10]}@example.test"
    r = requests.post(f"{base}/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Casey Colleague"},
                      timeout=30)
    assert r.status_code == 201, r.text
    return email


def keyboard_sign_up(br, name: str):
    """Sign up with the keyboard only: the skip link comes first, fields in reading order, Enter submits."""
    br.go("/app/signup")
    br.wait_css("#signup-form")
    br.look("signup")
    body = br.find("body")
    body.send_keys(Keys.TAB)
    active = br.driver.switch_to.active_element
    assert active.get_attribute("class") == "skip"
    order = []
    for _ in range(8):
        active.send_keys(Keys.TAB)
        active = br.driver.switch_to.active_element
        order.append(active.get_attribute("id"))
        if active.get_attribute("id") == "name":
            break
    assert order[-1] == "name", order
    active.send_keys(name, Keys.TAB)
    active = br.driver.switch_to.active_element
    assert active.get_attribute("id") == "email"
    active.send_keys(f"kb-{uuid.uuid4().hex[:10]}@example.test", Keys.TAB)
    active = br.driver.switch_to.active_element
    assert active.get_attribute("id") == "password"
    active.send_keys(PASSWORD, Keys.ENTER)
    br.wait_path("/app/dashboard")
    br.wait_css("#cases li")


MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre")


def spanish(br, due: date, case_id: str, name: str):
    """The Spanish client says CaseOS's own sentences in Spanish, dates included - not only its buttons."""
    en_espanol = f"{due.day} de {MESES[due.month - 1]} de {due.year}"
    br.go("/app/dashboard?lang=es")
    br.wait_css("#cases li a")
    item = br.wait_css("#next-deadlines li", en_espanol)  # the confirmed deadline is on the dashboard
    assert "Presentar una respuesta a la demanda" in item.text, item.text  # its title, from the analyzer
    assert br.find("html").get_attribute("lang") == "es"
    assert "Mis casos" in br.find("h1").text
    br.look("dashboard-es")
    br.go(f"/app/cases/{case_id}")
    br.click(f"#document-list li[data-status=PROCESSED] button[aria-label$='{name}']")
    steps = br.wait_css("#analysis-steps", "Marque el", timeout=30)
    assert f"Marque el {en_espanol} en su calendario: presentar una respuesta a la demanda." in steps.text, steps.text
    assert "Mark " not in steps.text and "File " not in steps.text
    assert br.find("#analysis-body p:not(.meta)").text.startswith("Parece un citatorio judicial")
    br.look("analysis-es")
    br.go("/app/dashboard?lang=en")
    br.wait_css("#cases li a")


def sign_out(br):
    br.click("#signout")
    br.wait_path("/app/signin")
    br.wait_css("#signin-form")
    br.look("signed-out")
    br.go("/app/dashboard")
    br.wait_path("/app/signin")  # the session is gone


def assert_accessible(br):
    bad = {page: v for page, v in br.violations.items() if v}
    assert not bad, f"serious accessibility violations: {bad}"


def test_a_person_handles_a_case_on_a_desktop(open_browser, web_url, tmp_path):
    br = open_browser(DESKTOP, "desktop")
    due = date.today() + timedelta(days=30)
    photo = summons_photo(tmp_path, due)
    sign_up(br, "Jordan Rivers")
    case_id = start_case(br, "Eviction from Greenway Apartments")
    upload_and_watch(br, [photo, FIXTURES / "scanned" / "linn.png"])
    read_analysis(br, photo.name)
    confirm_deadline(br, due)
    confirm_party(br, "Jordan Rivers")
    calculate(br)
    fill_form(br)
    search(br)
    ask(br)
    colleague = register_by_api(web_url)
    account_and_team(br, colleague, lambda: accept_by_api(web_url, colleague))
    spanish(br, due, case_id, photo.name)
    sign_out(br)
    assert_accessible(br)


def test_the_same_on_a_360px_phone(open_browser, tmp_path):
    br = open_browser(PHONE, "phone")
    due = date.today() + timedelta(days=21)
    photo = summons_photo(tmp_path, due)
    keyboard_sign_up(br, "Sam Phone")
    br.type("#title", "My eviction case")  # no state chosen: CaseOS asks, it does not pick one
    br.click("#new-case button[type=submit]")
    assert "choose the state" in br.wait_css("#new-case-error", "state").text
    assert br.find("#state").get_attribute("aria-invalid") == "true" and br.path.startswith("/app/dashboard")
    start_case(br, "My eviction case")
    assert br.horizontal_overflow() <= 0, "the case page scrolls sideways on a phone"
    upload_and_watch(br, [photo])
    a_paper_that_cannot_be_read(br, FIXTURES / "hostile" / "invalid_header_and_eof_only.pdf")
    read_analysis(br, photo.name)
    confirm_deadline(br, due)
    fill_form(br)
    search(br)
    assert br.horizontal_overflow() <= 0, "the case page scrolls sideways on a phone"
    for path, ready, name in (("/app/account", "#profile", "account"), ("/app/organization", "#audit tr", "organization")):
        br.go(path)
        br.wait_css(ready)
        br.look(name)
    sign_out(br)
    assert_accessible(br)
    wide = {page: px for page, px in br.overflow.items() if px > 0}
    assert not wide, f"pages that scroll sideways on a 360-px phone: {wide}"
