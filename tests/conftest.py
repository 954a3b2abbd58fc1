"""Shared fixtures: a real store file per test, the real CLI through click's CliRunner."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from shipsight.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_DATA = ROOT.parent / "shared" / "data"


def shared(relative):
    """A file of the real public data beside the project, or skip the test."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real public data not present: {path} (see shared/data/README.md)")
    return path


@pytest.fixture(params=["sqlite"])
def db(request, tmp_path):
    """Where the store lives: a SQLite file (the PostGIS back end joins in test_postgis)."""
    return str(tmp_path / "log.db")


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


@pytest.fixture(autouse=True)
def _no_shipsight_env(monkeypatch):
    # A developer's own SHIPSIGHT_DB must never leak into a test.
    monkeypatch.delenv("SHIPSIGHT_DB", raising=False)
    yield
    os.environ.pop("SHIPSIGHT_DB", None)
