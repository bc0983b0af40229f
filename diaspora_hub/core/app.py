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

from flask import Flask, Response
from flask.ctx import RequestContext

from diaspora_hub.core.errors import BARE_SERVER_ERROR

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
    """Flask, whose requests leave no cycle behind when they match no route, and whose
    answer to a failure is never a traceback, even when rendering the error fails too."""

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        return _RequestContext(self, environ)

    def handle_exception(self, e: Exception) -> Response:
        if self.config["PROPAGATE_EXCEPTIONS"] or self.testing:
            return super().handle_exception(e)
        try:
            return super().handle_exception(e)
        except Exception:  # the error page itself failed: answer the bare documented shape
            self.logger.exception("the error response could not be rendered")
            return Response(BARE_SERVER_ERROR, status=500, mimetype="application/json")
