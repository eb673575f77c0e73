"""Outbound e-mail for deadline reminders (smtplib, no framework imports).

``smtp_url`` forms::

    smtp://host[:port]                      plain SMTP (default port 25)
    smtp://user:pass@host:587?starttls=1    STARTTLS upgrade (default port 587 when starttls=1)
    smtps://user:pass@host[:465]            implicit TLS (default port 465)

User names and passwords are percent-decoded (``%40`` for ``@``). ``verify=0``
disables certificate verification for local development only.

Errors: :class:`MailTransientError` for anything worth retrying (connection
refused/reset/timeout, DNS failure, 4xx replies); :class:`MailPermanentError`
for 5xx rejections and configuration errors that a retry cannot fix (bad
credentials, STARTTLS unsupported, certificate verification failure).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "MailError",
    "MailPermanentError",
    "MailTransientError",
    "SmtpConfig",
    "message_id_for",
    "parse_smtp_url",
    "send_mail",
]

DEFAULT_SENDER = "CaseOS <no-reply@caseos.local>"

_TOKEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class MailError(Exception):
    """Base class; ``code`` is the SMTP reply code when there was one."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class MailTransientError(MailError):
    """Temporary failure: retry later."""


class MailPermanentError(MailError):
    """Permanent failure: do not retry without changing something."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str | None
    password: str | None
    verify: bool = True

    def __repr__(self) -> str:  # never print the password
        return (
            f"SmtpConfig(host={self.host!r}, port={self.port}, ssl={self.ssl}, starttls={self.starttls}, "
            f"username={self.username!r}, password={'***' if self.password else None}, verify={self.verify})"
        )


def message_id_for(deadline_id, offset_days: int, channel: str = "email", domain: str = "caseos.local") -> str:
    """Deterministic Message-ID for one reminder: ``<reminder-{deadline_id}-{offset}@{domain}>``.

    The same reminder always gets the same id, so a retried send is recognisable as a duplicate
    (and threads together in mail clients). Non-e-mail channels get a ``-{channel}`` suffix so
    their ids never collide with the e-mail one.
    """
    did = str(deadline_id)
    if not _TOKEN_RE.match(did):
        raise ValueError(f"deadline id {deadline_id!r} cannot be used in a Message-ID")
    if isinstance(offset_days, bool) or not isinstance(offset_days, int) or offset_days < 0:
        raise ValueError("offset_days must be a non-negative integer")
    if not _TOKEN_RE.match(channel or ""):
        raise ValueError(f"bad channel {channel!r}")
    if not _DOMAIN_RE.match(domain or ""):
        raise ValueError(f"bad Message-ID domain {domain!r}")
    suffix = "" if channel == "email" else f"-{channel}"
    return f"<reminder-{did}-{offset_days}{suffix}@{domain}>"


def _flag(values: dict[str, list[str]], name: str, default: bool) -> bool:
    if name not in values:
        return default
    raw = values[name][-1].strip().lower()
    if raw in _TRUE or raw == "":
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"smtp url: {name} must be 1/0 or true/false")


def parse_smtp_url(smtp_url: str) -> SmtpConfig:
    """Parse ``smtp://`` / ``smtps://`` URLs (see module docstring)."""
    if not isinstance(smtp_url, str) or not smtp_url.strip():
        raise ValueError("smtp url is empty")
    parts = urlsplit(smtp_url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError("smtp url must start with smtp:// or smtps://")
    host = parts.hostname
    if not host:
        raise ValueError("smtp url has no host")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("smtp url has an invalid port") from exc
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls", "verify"}
    if unknown:
        raise ValueError(f"smtp url: unknown option(s) {', '.join(sorted(unknown))}")
    use_ssl = scheme == "smtps"
    starttls = _flag(query, "starttls", False)
    if use_ssl and starttls:
        raise ValueError("smtp url: starttls=1 cannot be combined with smtps://")
    verify = _flag(query, "verify", True)
    if port is None:
        port = 465 if use_ssl else (587 if starttls else 25)
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpConfig(host=host, port=port, ssl=use_ssl, starttls=starttls, username=username,
                      password=password, verify=verify)


def _classify(code: int | None, text: str) -> MailError:
    if code is not None and 500 <= code < 600:
        return MailPermanentError(text, code)
    return MailTransientError(text, code)


def _reply_text(msg) -> str:
    if isinstance(msg, bytes):
        return msg.decode("utf-8", "replace")
    return str(msg)


def _no_newlines(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name} must not contain line breaks")
    return value


def _build_message(*, to: str, subject: str, body: str, message_id: str, sender: str) -> EmailMessage:
    _no_newlines("to", to)
    _no_newlines("subject", subject)
    _no_newlines("sender", sender)
    _no_newlines("message_id", message_id)
    if not re.match(r"^<[^<>@\s]+@[^<>@\s]+>$", message_id):
        raise ValueError(f"message_id must look like <local@domain>, got {message_id!r}")
    for name, value in (("to", to), ("sender", sender)):
        addr = parseaddr(value)[1]
        if "@" not in addr:
            raise ValueError(f"{name} is not an e-mail address: {value!r}")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(body if isinstance(body, str) else str(body), charset="utf-8")
    return msg


def send_mail(
    smtp_url: str,
    *,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    sender: str = DEFAULT_SENDER,
    timeout: float = 10,
) -> str:
    """Send one plain-text message; returns the Message-ID.

    Raises ValueError for bad arguments/URL, MailTransientError / MailPermanentError
    for delivery failures (see module docstring).
    """
    cfg = parse_smtp_url(smtp_url)
    msg = _build_message(to=to, subject=subject, body=body, message_id=message_id, sender=sender)
    client: smtplib.SMTP | None = None
    try:
        client = _connect(cfg, timeout)
        refused = client.send_message(msg, from_addr=parseaddr(sender)[1], to_addrs=[parseaddr(to)[1]])
        if refused:  # only possible with several recipients; kept for completeness
            code, text = next(iter(refused.values()))
            raise _classify(code, f"recipient refused: {_reply_text(text)}")
    except MailError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise _delivery_error(exc, cfg) from exc
    finally:
        _close(client)
    return message_id


def _connect(cfg: SmtpConfig, timeout: float) -> smtplib.SMTP:
    """An SMTP session, TLS as the URL asks, logged in when it names a user."""
    context = ssl.create_default_context()
    if not cfg.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cfg.ssl:
        client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=timeout)
    client.ehlo()
    if cfg.starttls:
        client.starttls(context=context)
        client.ehlo()
    if cfg.username:
        client.login(cfg.username, cfg.password or "")
    return client


def _delivery_error(exc: Exception, cfg: SmtpConfig) -> MailError:
    """What a failure means for the reminder: retry later (transient) or give up (permanent)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _classify(code, f"recipient refused ({code}): {_reply_text(text)}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailPermanentError(f"SMTP server does not support a required extension: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return MailTransientError(f"SMTP server disconnected: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        # SMTPSenderRefused, SMTPDataError, SMTPConnectError, SMTPHeloError, SMTPAuthenticationError
        return _classify(exc.smtp_code, f"SMTP error {exc.smtp_code}: {_reply_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPException):
        return MailTransientError(f"SMTP error: {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailPermanentError(f"TLS certificate verification failed for {cfg.host}: {exc}")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return MailTransientError(f"timed out talking to {cfg.host}:{cfg.port}")
    # refused, reset, unreachable, DNS (gaierror), other TLS errors
    return MailTransientError(f"cannot reach SMTP server {cfg.host}:{cfg.port}: {exc}")


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except Exception:
        try:
            client.close()
        except Exception:
            pass
