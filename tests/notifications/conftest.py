"""A real SMTP server on loopback that keeps what it receives, and test notification kinds."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from diaspora_hub.notifications import scheduler, service
from diaspora_hub.notifications.models import Delivery
from tests.servers import free_port

PING = "tests.ping"
DIGESTED = "tests.digested"
QUIET = "tests.quiet"


class SMTPServer:
    """aiosmtpd handler; every accepted mail lands in ``messages`` before the 250 reply."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.url = ""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def start_smtp(**kwargs: Any) -> tuple[Controller, SMTPServer]:
    handler = SMTPServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    return controller, handler


@pytest.fixture(scope="session")
def _smtp() -> Iterator[SMTPServer]:
    controller, handler = start_smtp()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(_smtp: SMTPServer) -> SMTPServer:
    _smtp.messages.clear()
    return _smtp


@pytest.fixture
def app(app: Flask, smtp_server: SMTPServer) -> Flask:
    """The suite's app, sending its mail to the loopback SMTP server."""
    app.config["MAIL_URL"] = smtp_server.url
    return app


@pytest.fixture(autouse=True)
def kinds(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Kinds with each default delivery; they vanish again after the test."""
    monkeypatch.setattr(service, "_KINDS", dict(service._KINDS))
    service.register_kind(PING, "Test pings", Delivery.IMMEDIATE)
    service.register_kind(DIGESTED, "Test digest items", Delivery.DAILY)
    service.register_kind(QUIET, "Test quiet items", Delivery.OFF)
    return {"ping": PING, "digested": DIGESTED, "quiet": QUIET}


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs a test registers vanish again after it."""
    monkeypatch.setattr(scheduler, "_JOBS", dict(scheduler._JOBS))
