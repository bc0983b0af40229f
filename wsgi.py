"""Production entry point: patch for eventlet first, then build the app."""

import os

if os.environ.get("SOCKETIO_ASYNC_MODE", "eventlet") == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif os.environ.get("SOCKETIO_ASYNC_MODE") == "gevent":
    from gevent import monkey

    monkey.patch_all()

from diaspora_hub import create_app, serve

app = create_app()

if __name__ == "__main__":
    serve.run(app)
