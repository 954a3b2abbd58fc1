"""``shipsight copy``: move a whole log between stores (SQLite file or PostGIS URL)."""

import click

from shipsight.cli.options import analyst_option, json_option
from shipsight.cli.output import echo_json
from shipsight.cli.progress import progress_bar


@click.command("copy")
@click.option("--from", "source", required=True, metavar="SRC",
              help="Store to copy from: a SQLite file or a postgresql:// URL.")
@click.option("--to", "target", required=True, metavar="DST",
              help="Store to copy into (created if missing): a SQLite file or a postgresql:// URL.")
@analyst_option
@json_option
def copy(source, target, analyst, as_json):
    """Copy a whole log (ports, scenes, sightings, lists, flags, audit) into another store.

    Ids and the audit history are kept. Copying again adds only what is new,
    and refuses, writing nothing, when both stores were changed independently.
    The destination notes each copy (who, when, from where, how many rows) in
    its history.

    \b
    Example:
      shipsight copy --from shipsight.db --to postgresql://kim@team-db/shipsight
      shipsight copy --from postgresql://kim@team-db/shipsight --to home.db
    """
    from shipsight.copy import copy_stores

    with progress_bar("copying", "tables") as progress:
        result = copy_stores(source, target, analyst=analyst, progress=progress)
    if as_json:
        echo_json({"added": result.added, "updated": result.updated, "unchanged": result.unchanged})
        return
    parts = [f"{n:,} {name}" for name, n in result.added.items() if n]
    click.echo(f"copied {result.total_added:,} rows" + (f" ({', '.join(parts)})" if parts else "")
               + (f", updated {result.total_updated:,}" if result.total_updated else "")
               + f", {sum(result.unchanged.values()):,} already there")
