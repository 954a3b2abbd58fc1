"""The ``shipsight`` command: a group whose sub-commands live one module per group.

Sub-command modules are imported when their command is called (or listed by
``--help``), and they import the library inside their functions: start-up
pays only for what the command uses.

User errors (:class:`~shipsight.errors.InputError`) become one line on stderr
and exit code 2; only our own bugs show a traceback. Warnings, ours
(:class:`~shipsight.errors.ShipsightWarning`) and those GDAL, pyogrio,
rasterio or numpy raise or log, become one ``warning: ...`` line each on
stderr, once per message, without Python's source path and line.
"""

import importlib
import os
import warnings
from contextlib import contextmanager, suppress

import click

from shipsight.errors import RowErrors, ShipsightError

DEFAULT_DB = "shipsight.db"


class BadInput(click.ClickException):
    """A user error, printed as ``Error: ...`` with exit code 2."""

    exit_code = 2


#: Bad values listed one a line before the rest are summed up (with the reader's hint, e.g. --on-invalid skip).
MAX_LISTED = 100


def describe(exc):
    """The message for a user error; bad rows of an import get one line each."""
    if isinstance(exc, RowErrors):
        if len(exc.problems) == 1:
            return str(exc)
        # One line per bad value, each saying the file, row and field, so a line grepped out still says where.
        head = f"{exc.source}: {len(exc.problems)} bad values; nothing was written"
        lines = [f"  {exc.source}, row {row}, field {field}: {reason}"
                 for row, field, reason in exc.problems[:MAX_LISTED]]
        more = len(exc.problems) - MAX_LISTED
        if more > 0:
            lines.append(f"  ... and {more} more" + (f"; {exc.hint}" if exc.hint else ""))
        return "\n".join([head, *lines])
    return str(exc)


@contextmanager
def warning_lines():
    """Show every warning raised or logged inside as ``warning: MESSAGE`` on stderr, once each.

    Deprecation and future warnings are for shipsight's developers (the test
    suite shows them), not its users, so they are not shown.
    """
    seen = set()

    def emit_line(message):
        text = " ".join(str(message).split())
        if text and text not in seen:
            seen.add(text)
            click.echo(f"warning: {text}", err=True)

    # Imported here, not at the top: logging costs --help (which never gets here) a tenth of its start-up.
    import logging

    class WarningLines(logging.Handler):
        """Library log records of WARNING and above (rasterio logs GDAL's warnings) as warning lines."""

        def emit(self, record):
            emit_line(record.getMessage())

    root = logging.getLogger()
    handler = WarningLines(level=logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
            warnings.simplefilter("ignore", category)
        warnings.showwarning = lambda message, *args, **kwargs: emit_line(message)
        root.addHandler(handler)
        try:
            yield
        finally:
            root.removeHandler(handler)


#: Every top-level command: its name -> the module of shipsight.cli that defines it
#: (a function or group of the same name, dashes written as underscores).
COMMANDS = {
    "init": "init",
    "ports": "ports",
    "scenes": "scenes",
    "log": "log",
    "sightings": "sightings",
    "chip": "chip",
    "port-calls": "portcalls",
    "sanctions": "sanctions",
    "flag": "flags",
    "flags": "flags",
    "history": "history",
    "export": "export",
    "demo": "demo",
    "copy": "copy",
    "report": "report",
    "cap": "cap",
    "evidence": "evidence",
    "vessels": "vessels",
    "detect": "detect",
    "ais": "ais",
    "infra": "infra",
}


#: The one-line help of each command as ``shipsight --help`` lists it, so that listing imports no
#: command module (tests/test_cli_startup.py checks each against its command's own help).
SUMMARIES = {
    "ais": "AIS: positions in a columnar archive beside the store, identities over time in the store.",
    "cap": "Estimate refined-product deliveries from tanker port calls, after the UN Panel of Experts.",
    "chip": "Write an evidence chip (PNG) of a sighting, cut from its scene.",
    "copy": "Copy a whole log (ports, scenes, sightings, lists, flags, audit) into another store.",
    "demo": "Build a store from samples/ and print what the log finds.",
    "detect": "Find ships in a SAR or optical product with a CFAR detector; print, write or save them.",
    "evidence": "Write the evidence pack of a flag to OUT (a new folder, or a file ending in .zip).",
    "export": "Export a layer of the log to a GIS file in EPSG:4326.",
    "flag": "Run the flag rules over the store (or a time window / box); safe to re-run.",
    "flags": "Flags raised by the rules: list and review.",
    "history": "Show the audit log: who changed what, when, old and new values.",
    "infra": "Fixed structures (breakwaters, piers, platforms, wind turbines, buoys) that detection suppresses.",
    "init": "Create the store, or upgrade it to the newest schema.",
    "log": "Log one sighting and print its id.",
    "port-calls": "List port calls, from imagery and from AIS, each saying its source.",
    "ports": "Port areas: ports, terminals, anchorages, shipyards, berths.",
    "report": "Write the map report: ONE self-contained HTML file that needs no network.",
    "sanctions": "Sanctions lists: OFAC (sdn.csv, SDN.XML, advanced XML), UN, UK, EU, OpenSanctions, plain CSV.",
    "scenes": "Satellite scenes: register GeoTIFF/COG files, list, show, find coverage.",
    "sightings": "Sightings of ships: import, sync, list, show, edit, retract.",
    "vessels": "Vessel particulars entered by analysts (used by 'shipsight cap' when lists lack them).",
}


class ShipsightGroup(click.Group):
    """Loads each sub-command on use and translates user errors into exit code 2."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def format_commands(self, ctx, formatter):
        from click.utils import make_default_short_help

        limit = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(SUMMARIES[name], limit)) for name in sorted(COMMANDS)])

    def get_command(self, ctx, name):
        module = COMMANDS.get(name)
        if module is None:
            return None
        return getattr(importlib.import_module(f"shipsight.cli.{module}"), name.replace("-", "_"))

    def invoke(self, ctx):
        with warning_lines():
            try:
                return super().invoke(ctx)
            except ShipsightError as exc:
                raise BadInput(describe(exc)) from None


class App:
    """What commands share: where the store is, opened on first use and closed at exit."""

    def __init__(self, db, ais=None):
        self.db = db
        self.ais = ais
        self._store = None
        self._fresh = False
        self._archive = None

    def store(self, *, create=True, keep=False):
        """The store, opened on first use. A SQLite store this command creates is removed again at the
        end if nothing went into it (``keep``: ``init``, whose job is the empty store), so that a command
        that wrote nothing -- refused input, or a detect without --save -- leaves no file behind."""
        if self._store is None:
            from shipsight.store import is_server_url, open_store

            self._fresh = create and not keep and not is_server_url(self.db) and not os.path.exists(self.db)
            self._store = open_store(self.db, create=create)
        return self._store

    def archive(self, *, create=False):
        """The AIS archive: ``--ais``/SHIPSIGHT_AIS, else beside a SQLite store (``X.db`` -> ``X.ais``)."""
        if self._archive is None:
            from shipsight.ais.archive import default_archive_path, open_archive

            self._archive = open_archive(default_archive_path(self.db, self.ais), create=create)
        return self._archive

    def close(self):
        if self._store is None:
            return
        from shipsight.store.base import TABLES

        conn = self._store.conn if self._fresh else None
        empty = conn is not None and not any(
            conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0] for table in TABLES)
        self._store.close()
        self._store = None
        if empty:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(FileNotFoundError):
                    os.remove(f"{self.db}{suffix}")


@click.group(cls=ShipsightGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="SHIPSIGHT_DB", default=DEFAULT_DB, show_default=True,
              help="SQLite file or postgresql:// URL of the store (or set SHIPSIGHT_DB).")
@click.option("--ais", envvar="SHIPSIGHT_AIS", metavar="PATH",
              help="Folder of the AIS archive (or set SHIPSIGHT_AIS); default beside a SQLite store: X.db -> X.ais.")
@click.version_option(package_name="shipsight", prog_name="shipsight")
@click.pass_context
def cli(ctx, db, ais):
    """Log ship sightings from satellite imagery and flag sanctioned-vessel activity.

    \b
    Example:
      shipsight ports import samples/ports.geojson
      shipsight log --lon 130.301 --lat 42.245 --time 2023-10-05T02:10:00Z --name ANGARA --imo 9179842
      shipsight sightings list --port Rajin
    """
    app = App(db, ais)
    ctx.obj = app
    ctx.call_on_close(app.close)
