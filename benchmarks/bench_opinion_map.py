"""How long the opinion map takes to compute for a large conversation, and whether it
finds the groups the votes were drawn from.

Votes for BENCH_PEOPLE (5,000) people on BENCH_STATEMENTS (500) statements are drawn from
BENCH_GROUPS (3) groups, each person voting on about 60 % of the statements. Printed:

- compute: the arithmetic alone (``opinions.analysis.analyse``: PCA, base clusters, k by
  silhouette, representative and bridging statements), the median of BENCH_REPEATS (3) runs
  in wall-clock seconds, and the CPU seconds they took (every thread counted); the target
  is at most 2 seconds. The machine's load average is printed beside it: on a machine busy
  with other work the wall clock says more about the others than about the map;
- ARI: adjusted Rand index of the groups found against the groups drawn, over the people
  grouped;
- stored: the whole recomputation through the service on a SQLite file (read every vote,
  compute, store every placement and group), once, when BENCH_STORED is 1 (the default).

Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from diaspora_hub import create_app
from diaspora_hub.extensions import db
from diaspora_hub.opinions import analysis, service, simulation
from diaspora_hub.opinions.service.kernel import opinion_map
from diaspora_hub.spaces.models import Space

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests import factories


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _stored(drawn: simulation.Simulated) -> float:
    """Seconds for one recomputation through the service, votes read from the database."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SOCKETIO_ASYNC_MODE": "threading", "TESTING": True}
        )
        with app.test_request_context():
            db.create_all()
            session = db.session()
            facilitator = factories.user(session, can_facilitate=True)
            space = factories.space(session, facilitators=(facilitator,))
            service.import_polis(
                session,
                facilitator,
                space.slug,
                files=service.PolisFiles(
                    participants_votes=simulation.participants_votes_csv(drawn.votes)
                ),
            )
            session.commit()
            started = time.perf_counter()
            service.refresh(session, session.get(Space, space.id) or space)
            session.commit()
            elapsed = time.perf_counter() - started
            assert opinion_map(session, space).updates == 1
            db.engine.dispose()
        return elapsed


def main() -> None:
    people = _setting("BENCH_PEOPLE", 5_000)
    statements = _setting("BENCH_STATEMENTS", 500)
    groups = _setting("BENCH_GROUPS", 3)
    repeats = _setting("BENCH_REPEATS", 3)
    drawn = simulation.simulate(people, statements, groups, seed=2026)
    times, cpu = [], []
    result = None
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = analysis.analyse(drawn.votes)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert result is not None
    grouped = result.labels >= 0
    ari = adjusted_rand_score(drawn.groups[grouped], result.labels[grouped])
    votes = int((~np.isnan(drawn.votes)).sum())
    print(f"opinion map: {people} people x {statements} statements, {votes} votes, {groups} groups")
    print(
        f"  compute  {statistics.median(times):6.2f} s  (median of {repeats}; target <= 2 s)"
        f"  runs: {', '.join(f'{t:.2f}' for t in times)}"
    )
    print(
        f"  cpu      {statistics.median(cpu):6.2f} s  (all threads)"
        f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  groups   found {int(result.labels.max()) + 1}, grouped {int(grouped.sum())} people")
    print(f"  ARI      {ari:.3f}  against the groups drawn")
    if _setting("BENCH_STORED", 1):
        print(f"  stored   {_stored(drawn):6.2f} s  read votes, compute, store (SQLite)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
