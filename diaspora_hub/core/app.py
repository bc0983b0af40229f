"""The Flask application class, with one change to how a request is matched to a route.

Flask-SocketIO runs every Socket.IO event in a request context built from the
connection's environ, whose path (``/socket.io/``) is no route of ours. Matching it
raises NotFound, which Flask keeps on the request, with its traceback: the frames of the
whole handler, whose first one holds the request context again. That cycle outlives the
event until a full garbage collection, which serving holds back to once an hour (see
``serve``); at a meeting's start it kept every joiner's handler frames and data alive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask.ctx import RequestContext

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


class _RequestContext(RequestContext):
    def match_request(self) -> None:
        super().match_request()
        unmatched = self.request.routing_exception
        if unmatched is not None:
            # Raised again, if at all, when the request is dispatched: nothing reads this
            # traceback, nor that of the matcher's own exception it was raised from.
            unmatched.__traceback__ = None
            unmatched.__context__ = None


class Hub(Flask):
    """Flask, whose requests leave no cycle behind when they match no route."""

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        return _RequestContext(self, environ)
