"""Start-up pays only for what a command uses: help texts import no heavy library.

Run in a fresh interpreter, since this test process has imported everything already.
"""

import subprocess
import sys

from shipsight.cli.main import COMMANDS

HEAVY = ("numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyproj", "rasterio", "scipy", "matplotlib",
         "rapidfuzz", "rich", "PIL", "pystac", "roaring_landmask")

PROBE = """
import sys
from click.testing import CliRunner
from shipsight.cli.main import cli
for args in {argv!r}:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (args, result.output)
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _heavy_after(argv):
    out = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_top_level_help_imports_no_heavy_library():
    assert _heavy_after([["--help"]]) == ""


def test_every_command_help_imports_no_heavy_library():
    assert _heavy_after([[name, "--help"] for name in COMMANDS]) == ""


def test_every_registered_command_is_listed_in_help():
    from click.testing import CliRunner

    from shipsight.cli.main import cli

    out = CliRunner().invoke(cli, ["--help"]).output
    for name in COMMANDS:
        assert f"  {name} " in out


def test_help_lists_each_command_with_its_own_summary_without_importing_it():
    import subprocess
    import sys

    import click

    from shipsight.cli.main import SUMMARIES, cli

    ctx = click.Context(cli)
    assert set(SUMMARIES) == set(COMMANDS)
    for name in COMMANDS:
        assert cli.get_command(ctx, name).get_short_help_str(500) == SUMMARIES[name], name
    loaded = subprocess.run([sys.executable, "-c", "import sys\nfrom shipsight.cli.main import cli\n"
                             "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
                             "print(sorted(m for m in sys.modules if m.startswith('shipsight.cli.') and m != "
                             "'shipsight.cli.main'))"], capture_output=True, text=True, check=True).stdout
    assert loaded.strip().splitlines()[-1] == "[]"
