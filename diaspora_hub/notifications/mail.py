"""Email through SMTP, configured by ``MAIL_URL``; without it nothing is sent.

``smtp://user:pass@host:port`` sends in clear (or upgrades with ``?starttls=1``),
``smtps://…`` speaks TLS from the first byte. Sending never raises: a mail server that is
down must not undo or break what the person just did, so failures are logged.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_app_context

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 15.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailSettings:
    """Everything sending needs, read once so it also works after the request is gone."""

    host: str
    port: int
    username: str | None
    password: str | None
    use_ssl: bool
    starttls: bool
    sender: str
    #: public origin of the site, for absolute links in mails
    origin: str

    @property
    def domain(self) -> str:
        return urlsplit(self.origin).hostname or "localhost"

    def link(self, path: str) -> str:
        """An absolute link to a path on this site."""
        return f"{self.origin}{path}" if path.startswith("/") else path


def parse_url(url: str, *, sender: str, origin: str) -> MailSettings:
    """Read a ``MAIL_URL``; a malformed one raises ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        raise ValueError("MAIL_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("MAIL_URL names no host")
    query = parse_qs(parts.query)
    starttls = any(v.lower() in _TRUE for v in query.get("starttls", []))
    use_ssl = parts.scheme == "smtps"
    if use_ssl and starttls:
        raise ValueError("MAIL_URL: smtps:// already uses TLS; drop ?starttls")
    return MailSettings(
        host=parts.hostname,
        port=parts.port or _DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=use_ssl,
        starttls=starttls,
        sender=sender,
        origin=origin.rstrip("/"),
    )


def settings() -> MailSettings | None:
    """The current app's mail settings, or None when email is not configured."""
    if not has_app_context():
        logger.debug("No application context: email is not sent.")
        return None
    url = current_app.config.get("MAIL_URL")
    if not url:
        logger.debug("MAIL_URL is not set: email is not sent.")
        return None
    try:
        return parse_url(
            url,
            sender=current_app.config["MAIL_FROM"],
            origin=current_app.config["PUBLIC_ORIGIN"],
        )
    except ValueError:
        logger.exception("MAIL_URL is not usable: email is not sent.")
        return None


def compose(config: MailSettings, *, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A plain-text mail with an HTML alternative, marked as sent by a machine."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.domain)
    # RFC 3834: out-of-office robots should not answer notifications.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _connect(config: MailSettings) -> smtplib.SMTP:
    if config.use_ssl:
        return smtplib.SMTP_SSL(
            config.host,
            config.port,
            local_hostname=config.domain,
            timeout=SMTP_TIMEOUT,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(
        config.host, config.port, local_hostname=config.domain, timeout=SMTP_TIMEOUT
    )


def send_all(config: MailSettings, messages: Sequence[EmailMessage]) -> int:
    """Send over one connection; returns how many were accepted, and never raises."""
    if not messages:
        return 0
    sent = 0
    try:
        with _connect(config) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
            for message in messages:
                try:
                    smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused:
                    logger.warning("The mail server refused the recipient %s.", message["To"])
                else:
                    sent += 1
    except Exception:  # whatever went wrong, the person's request already succeeded
        logger.exception(
            "Sending email through %s:%d failed after %d of %d messages.",
            config.host,
            config.port,
            sent,
            len(messages),
        )
    return sent
