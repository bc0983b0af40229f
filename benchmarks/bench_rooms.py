"""How one worker serves one crowded live room: our ``say`` path against a bare broadcast.

For every async mode and room size N, this starts a server process pinned to CPU 0 and a
Node load client (``load_client.mjs``, N Socket.IO clients in one process) pinned to
CPU 1, and measures:

- join: time from the first connect to the last ``join`` acknowledgement, server CPU
  milliseconds per joined client (connect and join), and server memory (VmRSS) per
  participant: (after all joined - before) / N;
- saturation: a fixed number of messages sent by 16 people, each sending again as soon as
  its acknowledgement is back; deliveries per second counted at the clients, and server
  CPU seconds (utime + stime) per 100,000 deliveries;
- latency: 10 messages a second for BENCH_LATENCY_SECONDS, from senders spread over the
  room; p50 / p99 from send to receipt over every receiver (all on one clock).

"ours" is the real app (``python wsgi.py``: token authentication, schema validation, the
SQLite-stored event log, the broadcast); "minimal" is ``minimal_server.py``, which only
broadcasts. Both run with the same serving (``diaspora_hub.serve``). The GC rows repeat
N = 500 under eventlet with the garbage-collection measures off (GC_FREEZE_SECONDS=0).

"others" is the CPU that other processes on the machine used during the measured phases
(in cores): above a few percent, the row was measured on a busy machine.

Environment: BENCH_MODES (eventlet,gevent), BENCH_SIZES (50,500,2000),
BENCH_LATENCY_SECONDS (20), BENCH_KINDS (ours,minimal), BENCH_GC_SIZE (500; 0 skips the
GC rows), BENCH_REPEATS (3: each case runs this many times, and every figure is the
median), BENCH_JSON (a file to write every figure to), BENCH_KEEP (keep the logs).
Figures only; nothing is asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from tests import servers  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
CLIENT = BENCH_DIR / "load_client.mjs"
MINIMAL = BENCH_DIR / "minimal_server.py"
SERVER_CPU = "0"
CLIENT_CPU = "1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SATURATION_DELIVERIES = 300_000
SATURATION_SENDERS = 16
LATENCY_RATE = 10
GC_PAUSE_LINE = "Full garbage collection paused the server for "

Json = dict[str, Any]


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The database: N people with tokens, in one space, one room ----------------------------


def build_database(path: Path, people: int) -> tuple[str, list[str]]:
    """A migrated SQLite database with a room and ``people`` participants; their tokens."""
    url = f"sqlite:///{path}"
    servers.migrate(url)
    os.environ.setdefault("SECRET_KEY", "benchmark-secret")
    from diaspora_hub import create_app
    from diaspora_hub.accounts import service as accounts
    from diaspora_hub.extensions import db
    from diaspora_hub.live import service as live
    from diaspora_hub.organisations.models import OrganisationKind, Role
    from tests import factories

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SOCKETIO_ASYNC_MODE": "threading", "TESTING": True}
    )
    tokens: list[str] = []
    with app.test_request_context():
        session = db.session()
        facilitator = factories.user(session, display_name="Fatou Facilitator")
        users = [factories.user(session, display_name=f"Person {i:04d}") for i in range(people)]
        kinds = (OrganisationKind.DIASPORA, OrganisationKind.GOVERNMENT, OrganisationKind.IO)
        organisations = [
            factories.organisation(
                session,
                kind=kind,
                members=dict.fromkeys(users[index :: len(kinds)], Role.MEMBER),
            )
            for index, kind in enumerate(kinds)
        ]
        space = factories.space(
            session,
            facilitators=(facilitator,),
            organisations=tuple(organisations),
            accepted_by=(facilitator, *users),
        )
        for person in users:
            tokens.append(accounts.create_token(session, person, "benchmark")[1])
        room = live.open_room(session, facilitator, space.slug, title="Remittance costs")
        session.commit()
        assert room.id == 1
        db.session.remove()
    return url, tokens


# Server processes ------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _healthy(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return b" 200 " in sock.recv(64)
    except OSError:
        return False


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log: IO[bytes]

    def gc_pauses(self, start: int = 0) -> list[float]:
        """Full-collection pauses the server logged after byte ``start`` of its log."""
        with self.log_path.open("rb") as log:
            log.seek(start)
            text = log.read().decode(errors="replace")
        return [
            float(line.split(GC_PAUSE_LINE, 1)[1].split(" ms", 1)[0])
            for line in text.splitlines()
            if GC_PAUSE_LINE in line
        ]

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_server(kind: str, env: dict[str, str], workdir: Path) -> Server:
    port = int(env["PORT"])
    script = PROJECT_DIR / "wsgi.py" if kind == "ours" else MINIMAL
    log_path = workdir / f"{kind}-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, sys.executable, str(script)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(process, port, log_path, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if _healthy(port):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{kind} server did not start:\n{log_path.read_text()[-4000:]}")


# One case: a mode, a size, a server kind ----------------------------------------------------


@dataclass
class Case:
    mode: str
    n: int
    kind: str
    gc_measures: bool = True
    figures: Json = field(default_factory=dict)

    @property
    def label(self) -> str:
        gc = "" if self.gc_measures else ", GC measures off"
        return f"{self.mode} N={self.n} {self.kind}{gc}"


class Client:
    """The Node load client, driven one command at a time."""

    def __init__(self, config_path: Path) -> None:
        self.process = subprocess.Popen(
            ["taskset", "-c", CLIENT_CPU, "node", str(CLIENT), str(config_path)],
            cwd=BENCH_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.process.pid)

    def read(self) -> Json:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load client ended early")
        record: Json = json.loads(line)
        if record.get("phase") == "error":
            raise RuntimeError(f"load client: {record['error']}")
        return record

    def command(self, name: str) -> Json:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def run_case(case: Case, template: Path, tokens: list[str], workdir: Path, repeats: int) -> None:
    """Run a case ``repeats`` times (fresh server and database each time); keep the median
    of every figure, since one run on a shared machine can be off either way."""
    runs = []
    for _ in range(repeats):
        runs.append(measure(case, template, tokens, workdir))
    case.figures = {
        key: (
            statistics.median(run[key] for run in runs)
            if isinstance(runs[0][key], int | float)
            else " ".join(str(run[key]) for run in runs)
        )
        for key in runs[0]
    }
    case.figures["runs"] = repeats


def measure(case: Case, template: Path, tokens: list[str], workdir: Path) -> Json:
    """One run of a case: a fresh server and database, and its figures."""
    database = workdir / f"case-{case.mode}-{case.n}-{case.kind}.sqlite3"
    shutil.copyfile(template, database)
    port = servers.free_port()
    env = servers.app_environment(
        f"sqlite:///{database}",
        port,
        SOCKETIO_ASYNC_MODE=case.mode,
        LIVE_SAY_LIMIT="1000000",
        GC_FREEZE_SECONDS=os.environ.get("GC_FREEZE_SECONDS", "1") if case.gc_measures else "0",
    )
    latency_seconds = float(os.environ.get("BENCH_LATENCY_SECONDS", "20"))
    config = {
        "url": f"http://127.0.0.1:{port}",
        "origin": f"http://127.0.0.1:{port}",
        "namespace": "/live",
        "room": 1,
        "n": case.n,
        "tokens": tokens[: case.n],
        "join_concurrency": 200,
        "settle_ms": 2000,
        "saturation_messages": max(50, SATURATION_DELIVERIES // case.n),
        "saturation_senders": SATURATION_SENDERS,
        "latency_rate": LATENCY_RATE,
        "latency_seconds": latency_seconds,
    }
    config_path = workdir / f"client-{port}.json"
    config_path.write_text(json.dumps(config))
    server = start_server(case.kind, env, workdir)
    client = Client(config_path)
    pid = server.process.pid
    try:
        client.read()  # warmed up
        rss_before = _rss_kb(pid)
        cpu_before = _cpu_seconds(pid)
        joined = client.command("join")
        cpu_join = _cpu_seconds(pid) - cpu_before
        rss_after = _rss_kb(pid)
        others_before = _machine_busy_seconds() - _cpu_seconds(pid) - client.cpu_seconds()
        measured_from = time.monotonic()
        cpu_before = _cpu_seconds(pid)
        saturated = client.command("saturate")
        cpu_saturation = _cpu_seconds(pid) - cpu_before
        log_mark = server.log_size()
        cpu_before = _cpu_seconds(pid)
        latency = client.command("latency")
        cpu_latency = _cpu_seconds(pid) - cpu_before
        others = _machine_busy_seconds() - _cpu_seconds(pid) - client.cpu_seconds()
        others_share = (others - others_before) / (time.monotonic() - measured_from)
        pauses = server.gc_pauses(log_mark)
        all_pauses = server.gc_pauses()
    finally:
        client.stop()
        server.stop()
    deliveries = max(1, saturated["deliveries"])
    return {
        "join_s": joined["join_ms"] / 1000,
        "join_cpu_ms": cpu_join / case.n * 1000,
        "presence_mb_received": joined["presence_bytes"] / 1e6,
        "kb_per_participant": (rss_after - rss_before) / case.n,
        "rss_mb": rss_after / 1024,
        "deliveries_per_s": saturated["deliveries_per_second"],
        "delivered": f"{saturated['deliveries']}/{saturated['expected']}",
        "cpu_per_100k": cpu_saturation / deliveries * 100_000,
        "say_ack_p50_ms": saturated["ack_ms"]["p50"],
        "p50_ms": latency["receipt_ms"]["p50"],
        "p99_ms": latency["receipt_ms"]["p99"],
        "max_ms": latency["receipt_ms"]["max"],
        "ack_p50_ms": latency["ack_ms"]["p50"],
        "ack_p99_ms": latency["ack_ms"]["p99"],
        "latency_delivered": f"{latency['deliveries']}/{latency['expected']}",
        "latency_cpu_share": cpu_latency / latency["seconds"],
        "client_us_per_delivery": saturated["client_cpu_s"] / deliveries * 1e6,
        "client_cpu_share_latency": latency["client_cpu_s"] / latency["seconds"],
        "gc_pauses_in_latency": len(pauses),
        "gc_max_pause_ms": max(pauses, default=0.0),
        "gc_pauses_whole_run": len(all_pauses),
        "gc_max_pause_whole_run_ms": max(all_pauses, default=0.0),
        "failures": latency["failures"],
        "other_cpu_share": others_share,
    }


# Report ------------------------------------------------------------------------------------------

COLUMNS = (
    ("deliv/s", "deliveries_per_s", "{:,.0f}"),
    ("CPU-s/100k", "cpu_per_100k", "{:.2f}"),
    ("p50 ms", "p50_ms", "{:.1f}"),
    ("p99 ms", "p99_ms", "{:.1f}"),
    ("max ms", "max_ms", "{:.1f}"),
    ("ack p50", "ack_p50_ms", "{:.1f}"),
    ("KB/part.", "kb_per_participant", "{:.1f}"),
    ("join s", "join_s", "{:.2f}"),
    ("join CPU ms", "join_cpu_ms", "{:.1f}"),
    ("GC>20ms", "gc_pauses_in_latency", "{:.0f}"),
    ("GC max", "gc_max_pause_ms", "{:.0f}"),
    ("srv CPU%", "latency_cpu_share", "{:.0%}"),
    ("cli us/d", "client_us_per_delivery", "{:.1f}"),
    ("others", "other_cpu_share", "{:.0%}"),
)


def _cell(case: Case, key: str, spec: str) -> str:
    value = case.figures.get(key)
    if value is None:
        return "-"
    return spec.format(value)


def print_table(cases: list[Case]) -> None:
    header = ["case", *(title for title, _key, _spec in COLUMNS)]
    rows = [[case.label, *(_cell(case, k, s) for _t, k, s in COLUMNS)] for case in cases]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(
        h.ljust(widths[i]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(header)
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)
            )
        )


def print_ratios(cases: list[Case]) -> None:
    print("\nOurs against the minimal server (same mode, N, GC setting):")
    print("  case                          CPU/delivery   deliveries/s   p99   KB/participant")
    by_key = {(c.mode, c.n, c.kind, c.gc_measures): c for c in cases}
    for case in cases:
        if case.kind != "ours" or not case.figures:
            continue
        base = by_key.get((case.mode, case.n, "minimal", case.gc_measures))
        if base is None or not base.figures:
            continue
        ours, minimal = case.figures, base.figures

        def ratio(key: str, o: Json = ours, m: Json = minimal) -> str:
            return f"{o[key] / m[key]:.2f}x" if m[key] else "-"

        label = f"{case.mode} N={case.n}" + ("" if case.gc_measures else " GC off")
        print(
            f"  {label:<30}{ratio('cpu_per_100k'):>12}   {ratio('deliveries_per_s'):>12}"
            f"   {ratio('p99_ms'):>5}   {ratio('kb_per_participant'):>8}"
        )


def main() -> None:
    modes = _env_list("BENCH_MODES", "eventlet,gevent")
    sizes = [int(n) for n in _env_list("BENCH_SIZES", "50,500,2000")]
    gc_size = int(os.environ.get("BENCH_GC_SIZE", "500"))
    repeats = max(1, int(os.environ.get("BENCH_REPEATS", "3")))
    if shutil.which("node") is None or not (PROJECT_DIR / "frontend/node_modules/ws").exists():
        print("bench_rooms: needs Node and frontend/node_modules (make install); skipped")
        return
    kinds = _env_list("BENCH_KINDS", "ours,minimal")
    cases = [Case(mode, n, kind) for mode in modes for n in sizes for kind in kinds]
    if gc_size and "eventlet" in modes:
        cases += [Case("eventlet", gc_size, kind, gc_measures=False) for kind in kinds]
    # The databases live in memory (tmpfs): commits wait for no disk, so the figures are
    # the cost of the path, not the disk's latency. mkdtemp makes a private directory.
    shm = Path("/dev/shm")  # noqa: S108
    workdir = Path(tempfile.mkdtemp(prefix="dh-bench-", dir=shm if shm.is_dir() else None))
    started = time.monotonic()
    try:
        template = workdir / "template.sqlite3"
        _url, tokens = build_database(template, max(case.n for case in cases))
        elapsed = time.monotonic() - started
        print(f"bench_rooms: {len(tokens)} people with tokens in one room ({elapsed:.0f} s)")
        for case in cases:
            try:
                run_case(case, template, tokens, workdir, repeats)
            except RuntimeError as error:
                print(f"  {case.label}: FAILED: {error}")
                continue
            f = case.figures
            print(
                f"  {case.label}: {f['deliveries_per_s']:,.0f} deliveries/s, "
                f"{f['cpu_per_100k']:.2f} CPU-s/100k, p50 {f['p50_ms']:.1f} / p99 "
                f"{f['p99_ms']:.1f} ms, {f['kb_per_participant']:.1f} KB/participant, "
                f"joined in {f['join_s']:.2f} s; delivered {f['delivered']} (saturation), "
                f"{f['latency_delivered']} (latency); presence received during the join "
                f"{f['presence_mb_received']:.0f} MB",
                flush=True,
            )
        print(
            f"\nbench_rooms: {time.monotonic() - started:.0f} s; server on CPU {SERVER_CPU}, "
            f"client on CPU {CLIENT_CPU}, SQLite\n"
        )
        print_table(cases)
        print_ratios(cases)
        if os.environ.get("BENCH_JSON"):
            Path(os.environ["BENCH_JSON"]).write_text(
                json.dumps([{**vars(c)} for c in cases], indent=2)
            )
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"bench_rooms: kept {workdir}")


if __name__ == "__main__":
    main()
