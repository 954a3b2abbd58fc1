"""Shared fixtures: a real store file per test, the real CLI through click's CliRunner."""

import json
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from shipsight.cli.main import cli

# Property tests check what is parsed, never how fast: on a machine shared by other jobs one example can
# take longer than hypothesis's default 200 ms deadline, which would fail a correct test at random.
settings.register_profile("shipsight", deadline=None)
settings.load_profile("shipsight")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"
SHARED_CASES = ROOT.parent / "shared" / "cases"


def shared(relative):
    """A file of the real public data beside the project, or skip the test."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real public data not present: {path} (see shared/data/README.md)")
    return path


def case(relative):
    """An input of a field case beside the project (shared/cases), or skip the test."""
    path = SHARED_CASES / relative
    if not path.exists():
        pytest.skip(f"field case input not present: {path} (see shared/cases/README.md)")
    return path


def case_files(relative, out_dir=None):
    """The inputs of a field case: its folder, or, for a case whose inputs its ``make.py``
    writes, those inputs written into ``out_dir`` (the case's folder is read-only)."""
    import subprocess
    import sys

    folder = case(relative)
    make = folder / "make.py"
    if out_dir is None or not make.exists():
        return folder
    subprocess.run([sys.executable, str(make), str(out_dir)], check=True, capture_output=True)
    return Path(out_dir)


#: A PostgreSQL server with PostGIS for the tests (see README, "Team store on PostGIS").
PG_URL = os.environ.get("SHIPSIGHT_TEST_PG_URL")
PG_HOWTO = ("PostGIS tests need a server: as root run `source .ci/postgis.sh && start_postgis` "
            "(Debian packages postgresql-15 and postgresql-15-postgis-3), which sets SHIPSIGHT_TEST_PG_URL")


def pg_database_url(name):
    """SHIPSIGHT_TEST_PG_URL with its database replaced by ``name``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(PG_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def pg_admin():
    """An autocommit connection to the test server's own database, for CREATE/DROP DATABASE."""
    import psycopg

    return psycopg.connect(PG_URL, autocommit=True)


@pytest.fixture(scope="session")
def pg_template():
    """A database with PostGIS and the newest schema, copied for each test (fast)."""
    if not PG_URL:
        pytest.skip(PG_HOWTO)
    from shipsight.store.postgis import PostgisStore

    name = f"shipsight_tpl_{os.getpid()}"
    with pg_admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    PostgisStore(pg_database_url(name)).close()
    yield name
    with pg_admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def _scratch_database(template):
    name = f"shipsight_t_{uuid.uuid4().hex[:12]}"
    with pg_admin() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield pg_database_url(name)
    finally:
        with pg_admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_template):
    """A fresh PostGIS store of its own for one test, dropped afterwards."""
    with _scratch_database(pg_template) as url:
        yield url


@pytest.fixture
def empty_pg_url(pg_template):
    """A database with nothing in it, not even PostGIS, dropped afterwards."""
    with _scratch_database("template0") as url:
        yield url


def is_postgis(db):
    """True when a test's store is the PostGIS one."""
    return str(db).startswith("postgresql://")


@pytest.fixture(params=["sqlite", "postgis"])
def db(request, tmp_path):
    """Where the store lives: a SQLite file, or a fresh database on the PostGIS test server.

    Every test taking ``db`` (or ``run``) runs on both back ends; the PostGIS
    run skips, saying how to enable it, without SHIPSIGHT_TEST_PG_URL.
    """
    if request.param == "postgis":
        return request.getfixturevalue("pg_url")
    # An existing store, as the PostGIS database is: refused input into a store the command itself
    # created leaves no file (tests/test_cli_sightings.py), and tests look into the store afterwards.
    from shipsight.store import open_store

    path = str(tmp_path / "log.db")
    open_store(path).close()
    return path


class Cli:
    """Runs ``shipsight --db DB ...`` in process and keeps stdout and stderr apart."""

    def __init__(self, db):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args, code=0, input=None):
        result = self.runner.invoke(cli, ["--db", self.db, *map(str, args)], input=input, catch_exceptions=True)
        if result.exit_code != code:
            raise AssertionError(
                f"exit {result.exit_code} (wanted {code}) for {args}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}\nexception: {result.exception!r}")
        return result

    def json(self, *args):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def run(db):
    return Cli(db)


@pytest.fixture
def ais(run, tmp_path):
    """``shipsight --db DB --ais ARCHIVE ...`` and the archive's folder (``ais.folder``)."""
    folder = tmp_path / "team.ais"

    def call(*args, code=0):
        return run("--ais", folder, *args, code=code)

    call.folder = folder
    call.run = run
    return call


@pytest.fixture
def ports_file(tmp_path):
    """Nested ports: a port, a berth inside it, and one across the antimeridian."""
    features = [
        {"type": "Feature", "properties": {"name": "Rajin", "kind": "port", "watchlist": True, "reason": "DPRK port"},
         "geometry": {"type": "Polygon", "coordinates": [[[130.28, 42.23], [130.32, 42.23], [130.32, 42.26],
                                                          [130.28, 42.26], [130.28, 42.23]]]}},
        {"type": "Feature", "properties": {"name": "Rajin Pier 3", "kind": "berth", "watchlist": False},
         "geometry": {"type": "Polygon", "coordinates": [[[130.296, 42.243], [130.301, 42.243], [130.301, 42.247],
                                                          [130.296, 42.247], [130.296, 42.243]]]}},
        {"type": "Feature", "properties": {"name": "Dateline Anchorage", "kind": "anchorage"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[179.9, -16.6], [180.0, -16.6], [180.0, -16.5], [179.9, -16.5], [179.9, -16.6]]],
             [[[-180.0, -16.6], [-179.9, -16.6], [-179.9, -16.5], [-180.0, -16.5], [-180.0, -16.6]]]]}},
    ]
    path = tmp_path / "ports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def write_csv(path, header, rows):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def stored_positions(db):
    """The sightings' lon/lat as the store holds them, by id: what the CLI prints as JSON is
    rounded to 1e-6 degree, so a test of georeferencing to 1e-9 reads the store."""
    from shipsight.store import open_store

    store = open_store(db, create=False)
    try:
        frame = store.sightings(geometry=False)
    finally:
        store.close()
    return {int(i): (float(x), float(y)) for i, x, y in zip(frame["id"], frame["lon"], frame["lat"])}


def table_rows(text):
    """The rows of the (first) rich table in ``text`` as dicts of cell text; a folded cell's lines joined."""
    def cells(line, bar):
        return [c.strip() for c in line.strip()[1:-1].split(bar)]

    lines = text.splitlines()
    head = [cells(line, "┃") for line in lines if line.startswith("┃")]
    names = ["".join(parts) for parts in zip(*head)]
    rows = []
    for line in lines:
        if line.startswith("│"):
            row = cells(line, "│")
            if row[0] or not rows:
                rows.append(row)
            else:
                rows[-1] = [a + b for a, b in zip(rows[-1], row)]
    return [dict(zip(names, r)) for r in rows]


@pytest.fixture(autouse=True)
def _no_shipsight_env(monkeypatch):
    # A developer's own SHIPSIGHT_DB or SHIPSIGHT_AIS must never leak into a test.
    monkeypatch.delenv("SHIPSIGHT_DB", raising=False)
    monkeypatch.delenv("SHIPSIGHT_AIS", raising=False)
    yield
    os.environ.pop("SHIPSIGHT_DB", None)
    os.environ.pop("SHIPSIGHT_AIS", None)
