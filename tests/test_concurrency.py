"""Several processes writing one store at once: nothing lost, no lock errors surfaced."""

import multiprocessing as mp

from shipsight.sightings import log_sighting
from shipsight.store import SightingQuery, open_store

PER_PROCESS = 1000


def _writer(target, worker, barrier, errors):
    try:
        with open_store(target) as store:
            barrier.wait()
            for i in range(PER_PROCESS):
                # One transaction per sighting, as 'shipsight log' does.
                log_sighting(store, {"time": "2024-01-05T03:00:00Z", "lon": 130 + worker / 10, "lat": 42 + i / 1e4,
                                     "note": f"w{worker}-{i}"}, analyst=f"worker{worker}")
    except Exception as exc:  # reported to the parent, which fails the test with it
        errors.put(f"worker {worker}: {exc!r}")


def log_concurrently(target, processes, writer=_writer):
    """Run ``writer`` in ``processes`` spawned processes at once; check nothing was lost.

    Returns the stored sightings and the sighting audit rows for further checks.
    """
    with open_store(target):
        pass  # create the schema first, as 'shipsight init' would
    ctx = mp.get_context("spawn")
    barrier, errors = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(target, w, barrier, errors)) for w in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
    problems = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert not problems, problems
    assert all(p.exitcode == 0 for p in procs)
    with open_store(target) as store:
        rows = store.sightings(SightingQuery())
        audit = store.history(entity="sighting")
    assert len(rows) == processes * PER_PROCESS
    assert set(rows["note"]) == {f"w{w}-{i}" for w in range(processes) for i in range(PER_PROCESS)}
    assert rows["id"].is_unique
    inserts = audit[audit["action"] == "insert"]
    assert len(inserts) == processes * PER_PROCESS and set(inserts["entity_id"].astype(int)) == set(rows["id"])
    return rows, inserts


def test_two_processes_log_1000_each(tmp_path):
    log_concurrently(str(tmp_path / "shared.db"), 2)
