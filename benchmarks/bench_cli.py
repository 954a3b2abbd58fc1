"""Start-up of the commands analysts type most, as whole processes, against bare imports.

Run:  python benchmarks/bench_cli.py [--repeat 5]

Each command runs as its own process on the sample store (``build_demo``,
37 sightings), the best of ``--repeat`` wall-clock runs. Baselines are
measured in the same run the same way: a bare ``python -c "import click"``
for ``--help``, a bare ``python -c "import pandas, shapely"`` for the
commands that read the store. Targets (issue 14): ``--help`` within 2x the
click import, ``sightings list``, ``flags list`` and ``log`` within 1.5x the
pandas + shapely import. ``log`` writes a sighting, so each of its runs gets
a fresh copy of the store (copied outside the timing).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def timed(argv, *, env, before=None):
    """Wall-clock seconds of one run of ``argv``."""
    if before is not None:
        before()
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from shipsight.demo import build_demo

    work = Path(tempfile.mkdtemp(prefix="bench_cli_"))
    sample = work / "sample.db"
    build_demo(str(sample), samples=ROOT / "samples")
    db = work / "run.db"
    shutil.copy(sample, db)
    env = {**os.environ, "SHIPSIGHT_DB": str(db)}
    exe = Path(sys.executable)
    script = exe.with_name("shipsight")
    shipsight = [str(script)] if script.exists() else [str(exe), "-c", "from shipsight.cli.main import cli; cli()"]

    def fresh_store():
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(sample, db)

    baselines = {
        "click": [str(exe), "-c", "import click"],
        "pandas+shapely": [str(exe), "-c", "import pandas, shapely"],
    }
    commands = [
        ("shipsight --help", ["--help"], "click", 2.0, None),
        ("sightings list", ["sightings", "list"], "pandas+shapely", 1.5, None),
        ("flags list", ["flags", "list"], "pandas+shapely", 1.5, None),
        ("log", ["log", "--lon", "130.2985", "--lat", "42.2452", "--time", "2023-10-05T02:10:00Z",
                 "--name", "ANGARA", "--imo", "9179842"], "pandas+shapely", 1.5, fresh_store),
    ]
    runs = {name: (argv, None) for name, argv in baselines.items()}
    runs.update({label: (shipsight + argv, before) for label, argv, _, _, before in commands})
    best = dict.fromkeys(runs, float("inf"))
    # Round robin, so that a busy moment of the machine falls on every line alike.
    for _ in range(args.repeat):
        for name, (argv, before) in runs.items():
            best[name] = min(best[name], timed(argv, env=env, before=before))
    base = {name: best[name] for name in baselines}
    print(f"best of {args.repeat}, whole processes, sample store ({sample.name}); {sys.executable}")
    for name, seconds in base.items():
        print(f"  bare import {name:<16} {seconds:6.3f} s")
    print(f"{'command':<18} {'seconds':>8} {'ratio':>7} {'target':>7}  baseline")
    failed = 0
    for label, _, against, target, _ in commands:
        seconds = best[label]
        ratio = seconds / base[against]
        failed += ratio > target
        print(f"{label:<18} {seconds:8.3f} {ratio:6.2f}x {target:6.1f}x  {against}{'' if ratio <= target else '  MISSED'}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
