"""English and Spanish: the catalogues are complete, compiled and current, and the pages speak the reader's
language; CaseOS's own words are plain (about a sixth-grade reading level)."""
import gettext
import re
from pathlib import Path

from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po

from app.web import strings

WEB = Path(__file__).resolve().parents[2] / "app" / "web"
TRANSLATIONS = WEB / "translations"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")
APP = WEB.parent
MESSAGE_SOURCES = [APP / "understanding" / "messages.py", APP / "assistant" / "insights.py", APP / "cases" / "dashboard.py"]


def catalog(lang="es"):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


KEYWORDS = {"_": None, "gettext": None, "_l": None, "N_": None}


def source_messages() -> set[str]:
    """The web client's words, and the templates of the messages the API sends (scripts/translations)."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = list(extract_from_dir(str(WEB), method_map, keywords=KEYWORDS))
    for path in MESSAGE_SOURCES:
        with open(path, "rb") as f:
            found += [(path, *item) for item in extract("python", f, keywords=KEYWORDS)]
    return {msg if isinstance(msg, str) else msg[0] for _file, _line, msg, _comments, *_ctx in found}


def test_every_message_of_the_web_client_is_in_the_spanish_catalogue_and_translated():
    es = catalog()
    missing = source_messages() - set(es)
    assert not missing, f"run scripts/translations and translate: {sorted(missing)[:5]}"
    assert not [k for k, v in es.items() if not v], "untranslated messages"


def test_translations_keep_their_placeholders():
    for msgid, msgstr in catalog().items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


def test_the_compiled_catalogue_is_the_current_one():
    with open(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for msgid, msgstr in catalog().items():
        assert compiled.gettext(msgid) == msgstr, f"stale messages.mo (run scripts/translations): {msgid}"


def test_pages_follow_the_language_link_the_cookie_and_the_browser(client, app):
    page = client.get("/app/signin?lang=es")
    assert '<html lang="es">' in page.get_data(as_text=True) and "Entrar" in page.get_data(as_text=True)
    assert "caseos_lang=es" in page.headers["Set-Cookie"]
    again = client.get("/app/signin").get_data(as_text=True)  # the cookie remembers the choice
    assert "Crear una cuenta" in again
    fresh = app.test_client()
    assert "Entrar" in fresh.get("/app/signin", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in fresh.get("/app/signin", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)


def test_the_scripts_get_their_words_and_the_analysis_sentences_in_spanish(app):
    with app.test_request_context("/app/signin?lang=es"):
        words = strings.client_strings()
    assert words["status.PROCESSED"] == "Listo"
    assert words["not_advice"].startswith("Esto no es asesoría legal")
    assert words["sentence:Do what the order says."] == "Haga lo que dice la orden."
    with app.test_request_context("/app/signin?lang=en"):
        english = strings.client_strings()
    assert english["status.PROCESSED"] == "Ready"
    assert not [k for k in english if k.startswith(("sentence:", "msg:", "task:"))]  # English shows the API's text


def test_every_message_the_api_sends_has_its_spanish_template_with_the_same_values(app):
    """The analysis, insights and dashboard sentences: each id has a Spanish template in the page, using the
    same named values (a date, an amount, a task), and every label a sentence can carry is translated."""
    from app.understanding import messages
    with app.test_request_context("/app/case?lang=es"):
        words = strings.client_strings()
    for msg_id, english in strings.MESSAGES.items():
        spanish = words.get(f"msg:{msg_id}")
        assert spanish and spanish != english, msg_id
        assert sorted(PLACEHOLDER.findall(spanish)) == sorted(PLACEHOLDER.findall(english)), msg_id
    assert words["msg:deadline.mark"] == "Marque el {date} en su calendario: {task}."
    assert words["task:File an answer"] == "Presentar una respuesta a la demanda"
    assert all(f"task:{label}" in words for label in messages.TASKS)
    assert all(f"amount_label:{label}" in words for label in messages.AMOUNT_LABELS)
    assert all(f"party:{code}" in words for code in messages.ROLES)
    assert words["date_label:hearing"] == "Audiencia"


def _syllables(word: str) -> int:
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups) - (1 if word.endswith("e") and len(groups) > 1 else 0)
    return max(1, count)


def test_caseos_own_words_read_at_about_a_sixth_grade_level():
    """Flesch-Kincaid grade of the English sentences the web client writes (not the analyzer's)."""
    own = set(strings.ANALYSIS_SENTENCES)
    text = [m for m in source_messages() if m not in own and len(m.split()) >= 4]
    sentences = [s for m in text for s in re.split(r"(?<=[.?!])\s+", m) if s.strip()]
    words = [w for s in sentences for w in re.findall(r"[A-Za-z']+", s)]
    grade = 0.39 * len(words) / len(sentences) + 11.8 * sum(map(_syllables, words)) / len(words) - 15.59
    assert grade <= 6.5, f"reading grade {grade:.1f}"


def test_the_language_link_keeps_where_sign_in_leads(client):
    page = client.get("/app/signin?next=/app/account").get_data(as_text=True)
    assert 'href="/app/signin?next=/app/account&amp;lang=es"' in page
    spanish = client.get("/app/signin?next=/app/account&lang=es").get_data(as_text=True)
    assert 'data-next="/app/account"' in spanish and 'href="/app/signin?next=/app/account&amp;lang=en"' in spanish
