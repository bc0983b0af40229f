"""Real PostgreSQL and Redis servers on loopback, started and stopped by the tests.

The tests run against the same kinds of servers as production, each started fresh in a
temporary directory, so SQL dialect, transactions and pub/sub behave as they will when
deployed. Nothing here is mocked.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import URL, make_url

#: Set it to a server URL (any database name) to use that PostgreSQL instead of starting one.
TEST_POSTGRES_URL_ENV = "TEST_POSTGRES_URL"

POSTGRES_USER = "postgres"
START_TIMEOUT = 60.0
START_ATTEMPTS = 3

_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PORT_TAKEN = "Address already in use"


class ServerError(RuntimeError):
    """A test server could not be started or driven; the message carries its log."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    The kernel picks it, so parallel runs do not collide; a server that loses the race for
    it before binding fails to start, and the starters below retry on a new port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(
    args: list[str], *, cwd: Path | None = None, timeout: float = START_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run a server tool and capture its output, so failures can be reported in full."""
    # Every argument is built in this module from absolute paths and numbers.
    return subprocess.run(  # noqa: S603
        args,
        cwd=cwd,
        env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _tail(path: Path, lines: int = 40) -> str:
    """Return the end of a server log for an error message."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _version_key(pg_ctl: str) -> tuple[int, str]:
    """Order /usr/lib/postgresql/<version>/bin/pg_ctl paths by their numeric version."""
    version = Path(pg_ctl).parent.parent.name
    return (int(version) if version.isdigit() else -1, version)


def postgres_bindir() -> Path | None:
    """Find the newest PostgreSQL server binaries: Debian keeps them off PATH, per version."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def postgres_available() -> bool:
    """Whether a PostgreSQL server can be had: an external one, or local binaries."""
    return bool(os.environ.get(TEST_POSTGRES_URL_ENV)) or postgres_bindir() is not None


def redis_available() -> bool:
    """Whether redis-server is installed."""
    return shutil.which("redis-server") is not None


def _as_postgres_user() -> list[str]:
    """Return the command prefix that runs a tool as `postgres` when we are root.

    PostgreSQL refuses to run as root; any other user may run it directly.
    """
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", POSTGRES_USER, "--"]


def _check_database_name(name: str) -> str:
    """Accept only plain lower-case identifiers, so test names never need quoting rules."""
    if not _DATABASE_NAME.fullmatch(name):
        raise ValueError(f"not a plain PostgreSQL database name: {name!r}")
    return name


class PostgresServer:
    """A PostgreSQL server on which the tests create and drop their databases.

    Either a cluster started here in a temporary directory (stopped and removed by `stop`),
    or an external server named by TEST_POSTGRES_URL (left running by `stop`).
    """

    def __init__(
        self,
        base_url: URL,
        *,
        pg_ctl: list[str] | None = None,
        directory: Path | None = None,
    ) -> None:
        self._base_url = base_url.set(drivername="postgresql+psycopg")
        self._pg_ctl = pg_ctl
        self._directory = directory
        self._stopped = False

    @property
    def port(self) -> int | None:
        """The TCP port, for tests that start their own app processes."""
        return self._base_url.port

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of one database on this server, with the psycopg 3 driver."""
        return self._base_url.set(database=dbname).render_as_string(hide_password=False)

    def _maintenance_conninfo(self) -> str:
        """libpq URI of the database used to create and drop the others."""
        maintenance = self._base_url.database or "postgres"
        url = self._base_url.set(drivername="postgresql", database=maintenance)
        return url.render_as_string(hide_password=False)

    def _execute(self, statement: sql.Composed) -> None:
        """Run one statement outside a transaction, as CREATE/DROP DATABASE require."""
        with psycopg.connect(self._maintenance_conninfo(), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str) -> str:
        """Create an empty UTF-8 database, replacing any leftover of an interrupted run."""
        self.drop_database(name)
        self._execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(_check_database_name(name))
            )
        )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists, closing any connection still open to it."""
        self._execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_check_database_name(name))
            )
        )

    def stop(self) -> None:
        """Stop a cluster started here and remove its files; leave an external one alone."""
        if self._stopped:
            return
        self._stopped = True
        if self._pg_ctl is not None and self._directory is not None:
            _run(
                [
                    *self._pg_ctl,
                    "-D",
                    str(self._directory / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                cwd=self._directory,
            )
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_postgres() -> PostgresServer:
    """Start a throw-away PostgreSQL cluster on a free loopback port, or use TEST_POSTGRES_URL.

    Durability is switched off (fsync, synchronous commit, full page writes): the data
    lives only as long as the test run, and the tests run several times faster.
    """
    external = os.environ.get(TEST_POSTGRES_URL_ENV)
    if external:
        return PostgresServer(make_url(external))

    bindir = postgres_bindir()
    if bindir is None:
        raise ServerError("PostgreSQL server binaries not found; `make system-deps` installs them")
    prefix = _as_postgres_user()
    directory = Path(tempfile.mkdtemp(prefix="dh-pg-"))
    pg_ctl = [*prefix, str(bindir / "pg_ctl")]
    data = directory / "data"
    log = directory / "postgres.log"
    try:
        if prefix:
            account = pwd.getpwnam(POSTGRES_USER)
            os.chown(directory, account.pw_uid, account.pw_gid)
        initdb = _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                POSTGRES_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            cwd=directory,
        )
        if initdb.returncode != 0:
            raise ServerError(f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}")
        failure = ""
        for _ in range(START_ATTEMPTS):
            port = free_port()
            options = (
                f"-p {port} -k {directory} -h 127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off"
            )
            started = _run(
                [
                    *pg_ctl,
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(int(START_TIMEOUT)),
                    "start",
                ],
                cwd=directory,
                timeout=START_TIMEOUT + 10,
            )
            if started.returncode == 0:
                url = URL.create(
                    "postgresql+psycopg", username=POSTGRES_USER, host="127.0.0.1", port=port
                )
                return PostgresServer(url, pg_ctl=pg_ctl, directory=directory)
            failure = f"{started.stderr}\n{_tail(log)}"
            if _PORT_TAKEN not in failure:
                break
            log.unlink(missing_ok=True)
        raise ServerError(f"PostgreSQL did not start:\n{failure}")
    except BaseException:
        if data.exists():
            _run([*pg_ctl, "-D", str(data), "-m", "immediate", "stop"], cwd=directory)
        shutil.rmtree(directory, ignore_errors=True)
        raise


class _ChildServer:
    """A server process of ours: stopped politely, killed if it will not go, log closed."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
        self.process = process
        self.port = port
        self._log = log

    def kill(self) -> None:
        """End the process at once, as a crash would: no goodbye to anyone."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class RedisServer(_ChildServer):
    """A Redis server with no persistence, running in its own temporary directory."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, directory: Path, log: IO[bytes]
    ) -> None:
        super().__init__(process, port, log)
        self._directory = directory

    @property
    def url(self) -> str:
        """redis:// URL, as REDIS_URL and Flask-SocketIO's message_queue expect it."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Stop the server, reap the process and remove its directory."""
        super().stop()
        shutil.rmtree(self._directory, ignore_errors=True)


def _answers_ping(port: int) -> bool:
    """Whether a Redis server on the port answers PING yet."""
    try:
        with redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5) as client:
            return bool(client.ping())
    except redis.exceptions.ConnectionError:
        return False


def start_redis() -> RedisServer:
    """Start redis-server on a free loopback port and wait until it answers PING.

    Snapshots and the append-only file are off: nothing outlives the run.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerError("redis-server not found; `make system-deps` installs it")
    for _ in range(START_ATTEMPTS):
        port = free_port()
        directory = Path(tempfile.mkdtemp(prefix="dh-redis-"))
        log_path = directory / "redis.log"
        log = log_path.open("wb")
        # The binary's path comes from shutil.which and every other argument from here.
        process = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
                "--daemonize",
                "no",
            ],
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = RedisServer(process, port, directory, log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers_ping(port):
                return server
            time.sleep(0.05)
        output = _tail(log_path)
        server.stop()
        if _PORT_TAKEN not in output:
            raise ServerError(f"redis-server did not start:\n{output}")
    raise ServerError("redis-server found no free port")


PROJECT_DIR = Path(__file__).resolve().parent.parent


class AppServer(_ChildServer):
    """The real application served by ``python wsgi.py`` (eventlet unless told otherwise)."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, log_path: Path, log: IO[bytes]
    ) -> None:
        super().__init__(process, port, log)
        self._log_path = log_path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return _tail(self._log_path, 80)


def app_environment(database_url: str, port: int, **extra: str) -> dict[str, str]:
    """Environment for a server process: its own database, origin and secret."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
        "SECRET_KEY": "end-to-end-secret",
        "SOCKETIO_ASYNC_MODE": "eventlet",
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def migrate(database_url: str) -> None:
    """Build the schema the way production does: ``flask db upgrade``."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "diaspora_hub:create_app", "db", "upgrade"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DATABASE_URL": database_url, "SOCKETIO_ASYNC_MODE": "threading"},
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise ServerError(f"flask db upgrade failed:\n{result.stdout}\n{result.stderr}")


def migrated_sqlite(directory: Path) -> str:
    """The URL of a new SQLite database in ``directory``, migrated for a server process."""
    url = f"sqlite:///{directory / 'server.sqlite3'}"
    migrate(url)
    return url


def start_app(env: dict[str, str], log_dir: Path) -> AppServer:
    """Start ``python wsgi.py`` with ``env`` and wait until /healthz answers."""
    port = int(env["PORT"])
    log_path = log_dir / f"app-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "wsgi.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = AppServer(process, port, log_path, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if b" 200 " in sock.recv(64):
                    return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise ServerError(f"the app did not start on port {port}:\n{_tail(log_path, 80)}")
