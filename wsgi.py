"""Production entry point: patch for eventlet first, then build the app."""

import os
import warnings

if os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet") == "eventlet":
    # eventlet warns of its deprecation from every module that imports it: say it once.
    warnings.filterwarnings("once", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    # psycopg's C wait loop would hold the event loop during every query; its select()
    # loop is patched above and yields to other connections instead.
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
elif os.environ.get("SOCKETIO_ASYNC_MODE") == "gevent":
    from gevent import monkey

    monkey.patch_all()

from diaspora_hub import create_app, serve

app = create_app()

if __name__ == "__main__":
    serve.run(app)
