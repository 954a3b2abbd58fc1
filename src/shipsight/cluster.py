"""Whole-archive and many-scene jobs: in this process, on a local Dask cluster, or on a team's.

A job is a function mapped over *partitions* (a day and a share of the
vessels of the AIS archive, or one scene): each call runs on a worker and
returns a small result; this process, the *client*, receives the results
and writes each partition's to the store in one transaction of its own. No
worker ever writes to the store, so a worker that dies loses nothing (Dask
runs its partition again elsewhere) and a job run again brings the store
to the same state (each partition's write replaces what that partition
wrote before).

Where the work runs:

- ``scheduler`` (or the environment variable ``SHIPSIGHT_DASK_SCHEDULER``),
  e.g. ``tcp://10.0.0.5:8786``: an existing cluster started with
  ``dask scheduler`` and ``dask worker`` on hosts that reach the AIS archive
  and the scene files by the same paths;
- else ``workers`` > 1: a :class:`distributed.LocalCluster` of that many
  worker processes (one thread each) on this machine, closed at the end;
- else in this process, one partition after another, with no Dask at all.

The results are the same whichever runs it: a function mapped here must
depend only on its partition and the arguments it is given.

Example
-------
>>> written = []
>>> run_partitions(pow, [2, 3, 4], exp=2, write=lambda item, result: written.append((item, result)))
3
>>> written
[(2, 4), (3, 9), (4, 16)]
"""

import os
from contextlib import contextmanager

from shipsight.errors import InputError

#: The environment variable naming a Dask scheduler, as ``--scheduler`` does.
SCHEDULER_ENV = "SHIPSIGHT_DASK_SCHEDULER"


def scheduler_address(scheduler=None):
    """The scheduler to use: ``scheduler``, else ``$SHIPSIGHT_DASK_SCHEDULER``, else None.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address is not None and "://" not in address:
        raise InputError(f"Dask scheduler {address!r} is not an address like tcp://HOST:8786",
                         where="--scheduler" if scheduler else SCHEDULER_ENV)
    return address


@contextmanager
def dask_client(scheduler=None, *, workers=1):
    """A :class:`distributed.Client` for the job, or None to run in this process.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://HOST:8786``); default
        ``$SHIPSIGHT_DASK_SCHEDULER``.
    workers : int
        Without a scheduler: more than 1 starts a LocalCluster of that many
        worker processes (closed on exit); 1 runs in this process.

    Raises
    ------
    InputError
        No scheduler answers at the address, or ``workers`` < 1.
    """
    if workers < 1:
        raise InputError(f"--workers must be 1 or more, not {workers}")
    address = scheduler_address(scheduler)
    if address is None and workers == 1:
        yield None
        return
    import logging

    from distributed import Client, LocalCluster

    # The scheduler's and workers' chatter (ports, heartbeats) is not for the analyst's terminal.
    for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if address is not None:
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"no Dask scheduler answers at {address} ({exc.__class__.__name__}); start one with "
                             "'dask scheduler' and workers with 'dask worker " + address + "'") from None
        try:
            yield client
        finally:
            client.close()
        return
    # A task's failure reaches this process as its own exception (bad input: one line); the
    # workers' "Compute Failed" log of it would print it again, with a traceback. No dashboard; the
    # scheduler still serves its health routes over HTTP, on a free loopback port: its default, 8787,
    # taken by another run warns (and leaves an unclosed socket).
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client


def run_partitions(func, items, *, write, scheduler=None, workers=1, ordered=False, shared=None, progress=None,
                   client=None, **kwargs):
    """Call ``func(item, **shared, **kwargs)`` for every item on the workers; ``write`` each result here.

    Parameters
    ----------
    func : callable
        A module-level function (workers import it by name): ``func(item, **kwargs) -> result``.
        Results should be small (events, counts); the heavy reading happens inside ``func``.
    items : sequence
        The partitions, each small and picklable (:class:`~shipsight.ais.Partition`, a scene id).
    write : callable
        ``write(item, result)``, called in this process once per item, e.g. one store
        transaction. Its return values are collected.
    scheduler, workers
        Where to run (see :func:`dask_client`).
    ordered : bool
        Call ``write`` in the order of ``items`` (results that finish early wait), for
        jobs that carry state from one partition to the next; else as each finishes.
    shared : dict, optional
        Keyword arguments sent to every worker once (ports, thresholds) rather than with
        every call.
    progress : callable, optional
        ``progress(done, total)`` after each write.
    client : distributed.Client, optional
        Use this client instead of opening one.

    Returns
    -------
    int
        The number of partitions written.
    """
    items = list(items)
    total = len(items)
    shared = dict(shared or {})
    if client is None:
        with dask_client(scheduler, workers=workers) as own:
            if own is not None:
                return run_partitions(func, items, write=write, ordered=ordered, shared=shared, progress=progress,
                                      client=own, **kwargs)
            for done, item in enumerate(items, start=1):
                write(item, func(item, **shared, **kwargs))
                if progress:
                    progress(done, total)
            return total
    from distributed import as_completed

    # Wrapped in a list so that a list or dict is sent whole, not element by element.
    sent = {k: client.scatter([v], broadcast=True)[0] for k, v in shared.items()}
    futures = [client.submit(func, item, **sent, **kwargs, pure=False) for item in items]
    index = {f.key: i for i, f in enumerate(futures)}
    waiting, next_i, done = {}, 0, 0
    try:
        for future in as_completed(futures):
            i = index[future.key]
            result = future.result()
            future.release()
            if not ordered:
                write(items[i], result)
                done += 1
                if progress:
                    progress(done, total)
                continue
            waiting[i] = result
            while next_i in waiting:
                write(items[next_i], waiting.pop(next_i))
                next_i += 1
                done += 1
                if progress:
                    progress(done, total)
    finally:
        for f in futures:
            f.cancel()
    return done
