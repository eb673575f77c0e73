from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from devkit.net import free_port
from app.platform.mail import (
    MailPermanentError,
    MailTransientError,
    message_id_for,
    parse_smtp_url,
    send_mail,
)


class RecordingHandler:
    def __init__(self, rcpt_reply=None):
        self.messages = []
        self.rcpt_reply = rcpt_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "content": envelope.original_content or envelope.content,
            }
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    servers = []

    def start(handler):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return f"smtp://127.0.0.1:{port}"

    yield start
    for c in servers:
        c.stop()


def test_message_id_is_deterministic():
    assert message_id_for(42, 7) == "<reminder-42-7@caseos.local>"
    assert message_id_for("ab-12", 0, domain="example.org") == "<reminder-ab-12-0@example.org>"
    assert message_id_for(42, 7) == message_id_for("42", 7)
    assert message_id_for(42, 7, channel="sms") != message_id_for(42, 7)
    with pytest.raises(ValueError):
        message_id_for("bad id>", 1)
    with pytest.raises(ValueError):
        message_id_for(1, -1)


def test_parse_smtp_url_variants():
    c = parse_smtp_url("smtp://localhost")
    assert (c.host, c.port, c.ssl, c.starttls, c.username) == ("localhost", 25, False, False, None)
    c = parse_smtp_url("smtp://user%40example.org:p%3Ass@mail.example.org?starttls=1")
    assert (c.port, c.starttls, c.username, c.password) == (587, True, "user@example.org", "p:ss")
    assert "p:ss" not in repr(c)
    c = parse_smtp_url("smtps://u:p@mail.example.org")
    assert (c.port, c.ssl) == (465, True)
    c = parse_smtp_url("smtps://mail.example.org:2465?verify=0")
    assert (c.port, c.verify) == (2465, False)
    for bad in ("http://x", "smtp://", "smtp://h?foo=1", "smtps://h?starttls=1", "smtp://h:notaport"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_send_mail_delivers_with_exact_headers(smtp_server):
    handler = RecordingHandler()
    url = smtp_server(handler)
    mid = message_id_for(1234, 3)
    returned = send_mail(
        url,
        to="Pat Tenant <pat@example.org>",
        subject="Reminder: Answer due Mon 2026-12-28 (in 3 days)",
        body="Your answer is due on Monday, December 28, 2026.\nCitation: Fed. R. Civ. P. 12(a)(1)(A)(i) — ✓",
        message_id=mid,
    )
    assert returned == mid
    assert len(handler.messages) == 1
    got = handler.messages[0]
    assert got["rcpt_tos"] == ["pat@example.org"]
    assert got["mail_from"] == "no-reply@caseos.local"
    msg = message_from_bytes(got["content"], policy=default_policy)
    assert msg["Message-ID"] == "<reminder-1234-3@caseos.local>"
    assert msg["Subject"] == "Reminder: Answer due Mon 2026-12-28 (in 3 days)"
    assert msg["To"] == "Pat Tenant <pat@example.org>"
    assert msg["From"] == "CaseOS <no-reply@caseos.local>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"]
    assert "December 28, 2026" in msg.get_content()
    assert "✓" in msg.get_content()


def test_refused_connection_is_transient():
    port = free_port()  # nothing listens here
    with pytest.raises(MailTransientError):
        send_mail(
            f"smtp://127.0.0.1:{port}",
            to="pat@example.org",
            subject="x",
            body="y",
            message_id=message_id_for(1, 0),
            timeout=2,
        )


def test_5xx_rejection_is_permanent(smtp_server):
    url = smtp_server(RecordingHandler(rcpt_reply="550 5.1.1 No such user"))
    with pytest.raises(MailPermanentError) as ei:
        send_mail(url, to="ghost@example.org", subject="x", body="y", message_id=message_id_for(1, 1))
    assert ei.value.code == 550


def test_4xx_rejection_is_transient(smtp_server):
    url = smtp_server(RecordingHandler(rcpt_reply="451 4.3.0 Try again later"))
    with pytest.raises(MailTransientError) as ei:
        send_mail(url, to="busy@example.org", subject="x", body="y", message_id=message_id_for(1, 1))
    assert ei.value.code == 451


def test_header_injection_rejected(smtp_server):
    url = smtp_server(RecordingHandler())
    with pytest.raises(ValueError):
        send_mail(url, to="a@example.org", subject="hi\r\nBcc: evil@example.org", body="y",
                  message_id=message_id_for(1, 1))
    with pytest.raises(ValueError):
        send_mail(url, to="not-an-address", subject="hi", body="y", message_id=message_id_for(1, 1))
    with pytest.raises(ValueError):
        send_mail(url, to="a@example.org", subject="hi", body="y", message_id="no-brackets")
