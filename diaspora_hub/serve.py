"""Serving the app in production: background work, then the Socket.IO-aware server."""

from __future__ import annotations

from flask import Flask

from diaspora_hub.extensions import socketio
from diaspora_hub.notifications import scheduler


def run(app: Flask) -> None:
    """Start the scheduler (reminders, digests) and serve on HOST:PORT until stopped."""
    scheduler.start(app)
    socketio.run(app, host=app.config["HOST"], port=app.config["PORT"])
