"""``python wsgi.py``: says where it listens, logs each request, and warns of eventlet once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("mode", ["eventlet", "threading"])
def test_the_server_logs_where_it_listens_and_every_request(tmp_path, mode):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SECRET_KEY": "serving-test",
        "PORT": str(port),
        "SOCKETIO_ASYNC_MODE": mode,
        # Every warning shown where it is raised: eventlet's must still come once.
        "PYTHONWARNINGS": "default",
    }
    log = tmp_path / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        # The request's line is written once its response has gone: wait for it.
        while "GET /healthz" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert f"Serving on http://127.0.0.1:{port}" in output
    assert "GET /healthz" in output
    assert output.count("Eventlet is deprecated") == (1 if mode == "eventlet" else 0)


def test_commands_do_not_repeat_the_eventlet_notice(tmp_path):
    """`make run` runs two commands before the server: the notice comes once in all."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'commands.sqlite3'}",
        "SECRET_KEY": "serving-test",
        "SOCKETIO_ASYNC_MODE": "eventlet",
        "PYTHONWARNINGS": "default",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "diaspora_hub:create_app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Eventlet is deprecated" not in done.stdout + done.stderr
