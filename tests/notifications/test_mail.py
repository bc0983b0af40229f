"""Email reaches a real SMTP server, and a broken one never breaks what a person did."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import AuthResult
from flask import Flask
from sqlalchemy import select

from diaspora_hub.accounts.models import User
from diaspora_hub.core.errors import Conflict
from diaspora_hub.extensions import db
from diaspora_hub.notifications import mail, service
from diaspora_hub.notifications.models import Notification
from tests import factories
from tests.notifications.conftest import PING, start_smtp
from tests.servers import free_port

pytestmark = pytest.mark.postgres


@pytest.fixture
def notify_route(app: Flask):
    """A page that notifies a person and then succeeds or fails, like any domain's request."""

    def notify_then(user_id: int, outcome: str) -> str:
        person = db.session.get(User, user_id)
        assert person is not None
        service.notify(db.session(), [person], PING, title="Your call was answered")
        if outcome == "fail":
            raise Conflict()
        return "done"

    app.add_url_rule("/test/notify/<int:user_id>/<outcome>", view_func=notify_then)


@pytest.mark.usefixtures("notify_route")
def test_a_request_that_fails_sends_no_email(client, session, smtp_server):
    amina = factories.user(session)
    session.commit()
    assert client.get(f"/test/notify/{amina.id}/fail").status_code == 409
    assert smtp_server.messages == []
    assert session.scalars(select(Notification)).all() == []

    assert client.get(f"/test/notify/{amina.id}/succeed").status_code == 200
    assert [m["Subject"] for m in smtp_server.messages] == ["Your call was answered"]


@pytest.mark.usefixtures("notify_route")
def test_an_unreachable_mail_server_does_not_break_the_request(app, client, session, caplog):
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    amina = factories.user(session)
    session.commit()
    assert client.get(f"/test/notify/{amina.id}/succeed").status_code == 200
    assert len(session.scalars(select(Notification)).all()) == 1
    assert "Sending email through 127.0.0.1" in caplog.text


def test_credentials_from_the_url_log_in(app, session):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"hub" and auth_data.password == b"p@ss word"
        return AuthResult(success=ok)

    controller, handler = start_smtp(authenticator=authenticate, auth_require_tls=False)
    try:
        app.config["MAIL_URL"] = handler.url.replace("//", "//hub:p%40ss%20word@")
        amina = factories.user(session)
        session.commit()
        with app.app_context():
            service.notify(session, [amina], PING, title="Signed in to send")
            session.commit()
    finally:
        controller.stop()
    assert [m["Subject"] for m in handler.messages] == ["Signed in to send"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, None, None, False, False)),
        ("smtps://u:p@mail.example.org", ("mail.example.org", 465, "u", "p", True, False)),
        (
            "smtp://u%40x:p%2Fq@mail.example.org:587?starttls=1",
            ("mail.example.org", 587, "u@x", "p/q", False, True),
        ),
    ],
)
def test_mail_urls(url, expected):
    parsed = mail.parse_url(url, sender="hub <noreply@example.org>", origin="https://hub.example/")
    got = (
        parsed.host,
        parsed.port,
        parsed.username,
        parsed.password,
        parsed.use_ssl,
        parsed.starttls,
    )
    assert got == expected
    assert parsed.link("/notifications") == "https://hub.example/notifications"


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtps://mail.example.org?starttls=1"]
)
def test_bad_mail_urls_are_refused(url):
    with pytest.raises(ValueError, match="MAIL_URL"):
        mail.parse_url(url, sender="x@example.org", origin="http://localhost")
