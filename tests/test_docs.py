"""The docs stay honest: every command has help with an example and appears in the README."""

import click
import pytest
from click.testing import CliRunner

from conftest import ROOT
from shipsight.cli.main import cli


def commands(group=cli, prefix=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path


ALL = list(commands())


def test_there_are_commands():
    assert ("log",) in ALL and ("sightings", "import") in ALL and ("flag",) in ALL


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_has_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout, f"'shipsight {' '.join(path)} --help' shows no example"


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_readme_mentions_every_command(path):
    readme = (ROOT / "README.md").read_text()
    assert f"shipsight {' '.join(path)}" in readme, f"README.md does not mention 'shipsight {' '.join(path)}'"
