"""The sample scenario, built end to end into a fresh store.

Used by ``shipsight demo`` and by tests: it is the main job on the embedded
default, run on the files in ``samples/``.
"""

from dataclasses import dataclass, field
from pathlib import Path

from shipsight.errors import InputError
from shipsight.io.ports import read_ports
from shipsight.lists import import_list
from shipsight.portcalls import store_port_calls
from shipsight.rules.engine import run_flags
from shipsight.sightings import import_sightings
from shipsight.store import SightingQuery, is_server_url, open_store
from shipsight.vessels import import_vessels

DEMO_ANALYST = "demo"
#: The year the sample's cap tracker looks at: DPRK tankers loading at Vostochny.
DEMO_CAP_YEAR = 2024


def find_samples(path=None):
    """The samples folder: ``path``, else ./samples, else the one beside the package source."""
    candidates = [Path(path)] if path else [Path.cwd() / "samples", Path(__file__).resolve().parents[2] / "samples"]
    for candidate in candidates:
        if (candidate / "ports.geojson").exists():
            return candidate
    raise InputError(f"no samples folder with ports.geojson at {', '.join(map(str, candidates))}; give --samples DIR")


@dataclass
class DemoResult:
    """What the demo built and found."""

    db: str
    ports: object = None
    sightings: object = None
    port_calls: object = None
    lists: list = field(default_factory=list)
    flag_run: object = None
    flags: object = None
    vessels: int = 0
    cap: object = None
    report: Path | None = None


def build_demo(db, *, samples=None, report=None, chart=None):
    """Build the sample scenario into a fresh store at ``db`` (a file is replaced).

    Also loads the illustrative tanker deadweights (``samples/vessels.csv``)
    and runs the cap tracker for :data:`DEMO_CAP_YEAR` at the watch-listed
    ports; with ``report`` and ``chart`` paths, writes the map report and the
    cap chart there (replacing them: they are the demo's own outputs).

    Examples
    --------
    >>> import tempfile, os
    >>> result = build_demo(os.path.join(tempfile.mkdtemp(), "demo.db"))
    >>> len(result.ports) >= 7
    True
    """
    samples = find_samples(samples)
    if not is_server_url(db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    result = DemoResult(db=str(db))
    with open_store(db) as store:
        store.add_ports(read_ports(samples / "ports.geojson").drop(columns=["repaired"]),
                        analyst=DEMO_ANALYST, source=str(samples / "ports.geojson"))
        import_sightings(store, samples / "sightings.csv", analyst=DEMO_ANALYST)
        result.lists = [import_list(store, samples / "sanctions_sdn.csv", analyst=DEMO_ANALYST)]
        result.flag_run = run_flags(store, analyst=DEMO_ANALYST)
        result.ports = store.ports()
        result.sightings = store.sightings(SightingQuery())
        result.port_calls = store_port_calls(store)
        result.flags = store.flags()
        if (samples / "vessels.csv").exists():
            result.vessels = import_vessels(store, samples / "vessels.csv", analyst=DEMO_ANALYST)
        from shipsight.outputs import store_cap, write_report

        result.cap = store_cap(store, year=DEMO_CAP_YEAR, chart=chart, overwrite=True)
        if report is not None:
            result.report, _ = write_report(store, report, title="shipsight demo: the sample scenario", overwrite=True)
    return result
