"""Long commands report progress through one callback protocol; the CLI draws it only on a terminal."""

import pytest

from conftest import write_csv
from shipsight.cli.progress import ProgressBar
from shipsight.copy import copy_stores
from shipsight.rules.engine import STEPS, run_flags
from shipsight.sightings import import_sightings
from shipsight.store import open_store


def test_bar_is_silent_off_a_terminal(capsys):
    with ProgressBar("working", "rows") as progress:
        for k in range(5):
            progress(k + 1, 5)
        progress(1, 2, label="next stage")
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")


@pytest.fixture
def store_with_sightings(tmp_path):
    feed = write_csv(tmp_path / "feed.csv", "time,lon,lat,name,imo",
                     ["2024-01-05T03:00:00Z,130.3,42.24,ANGARA,9179842",
                      "2024-01-05T04:00:00Z,130.3001,42.2401,OTHER,"])
    path = tmp_path / "log.db"
    with open_store(path) as store:
        import_sightings(store, feed)
    return path


def test_flag_run_reports_each_step(store_with_sightings):
    seen = []
    with open_store(store_with_sightings) as store:
        run_flags(store, analyst="kim", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(k, len(STEPS)) for k in range(1, len(STEPS) + 1)]


def test_copy_reports_each_table_compared_then_written(store_with_sightings, tmp_path):
    seen = []
    copy_stores(store_with_sightings, tmp_path / "copy.db", progress=lambda done, total: seen.append((done, total)))
    assert [d for d, _ in seen] == list(range(1, len(seen) + 1)) and seen[-1][0] == seen[-1][1] == len(seen)


def test_cli_commands_keep_stderr_clean_off_a_terminal(run, tmp_path):
    feed = write_csv(tmp_path / "feed.csv", "time,lon,lat", ["2024-01-05T03:00:00Z,130.3,42.24"])
    for args in (("sightings", "import", feed), ("flag",), ("export", "--layer", "all", tmp_path / "all.gpkg")):
        assert run(*args).stderr == ""
