"""The ``shipsight`` command: a group whose sub-commands live one module per group.

User errors (:class:`~shipsight.errors.InputError`) become one line on stderr
and exit code 2; only our own bugs show a traceback.
"""

import click

from shipsight import __version__
from shipsight.errors import RowErrors, ShipsightError
from shipsight.store import open_store

DEFAULT_DB = "shipsight.db"


class BadInput(click.ClickException):
    """A user error, printed as ``Error: ...`` with exit code 2."""

    exit_code = 2


def describe(exc):
    """The message for a user error; bad rows of an import get one line each."""
    if isinstance(exc, RowErrors):
        head = f"{exc.source}: {len(exc.problems)} bad value{'s' * (len(exc.problems) > 1)}; nothing was written"
        lines = [f"  row {row}, field {field}: {reason}" for row, field, reason in exc.problems]
        return "\n".join([head, *lines])
    return str(exc)


class ShipsightGroup(click.Group):
    """Translates user errors from any sub-command into exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ShipsightError as exc:
            raise BadInput(describe(exc)) from None


class App:
    """What commands share: where the store is, opened on first use and closed at exit."""

    def __init__(self, db):
        self.db = db
        self._store = None

    def store(self, *, create=True):
        if self._store is None:
            self._store = open_store(self.db, create=create)
        return self._store

    def close(self):
        if self._store is not None:
            self._store.close()
            self._store = None


@click.group(cls=ShipsightGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="SHIPSIGHT_DB", default=DEFAULT_DB, show_default=True,
              help="SQLite file or postgresql:// URL of the store (or set SHIPSIGHT_DB).")
@click.version_option(__version__, prog_name="shipsight")
@click.pass_context
def cli(ctx, db):
    """Log ship sightings from satellite imagery and flag sanctioned-vessel activity.

    \b
    Example:
      shipsight ports import samples/ports.geojson
      shipsight log --lon 130.301 --lat 42.245 --time 2023-10-05T02:10:00Z --name ANGARA --imo 9179842
      shipsight sightings list --port Rajin
    """
    app = App(db)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register():
    from shipsight.cli import (chip, copy, demo, export, flags, history, init, log, portcalls, ports, sanctions,
                               scenes, sightings)
    from shipsight.cli import cap, evidence, report, vessels
    from shipsight.cli import detect

    for module in (init, ports, scenes, log, sightings, chip, portcalls, sanctions, flags, history, export, demo, copy,
                   report, cap, evidence, vessels, detect):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
