"""``shipsight vessels``: the analyst's own vessel particulars (type, deadweight, gross tonnage)."""

import click

from shipsight.cli.options import analyst_option, json_option
from shipsight.cli.output import count, echo_json, echo_table, records


@click.group()
def vessels():
    """Vessel particulars entered by analysts (used by 'shipsight cap' when lists lack them)."""


@vessels.command("set")
@click.option("--imo", required=True, help="IMO number (check digit verified).")
@click.option("--deadweight", type=float, help="Deadweight in metric tonnes.")
@click.option("--gross-tonnage", type=float, help="Gross tonnage.")
@click.option("--vessel-type", help="e.g. tanker, oil products tanker, general cargo.")
@click.option("--name", help="Vessel name.")
@click.option("--mmsi", help="MMSI (nine digits).")
@click.option("--note", help="Where the figures come from.")
@analyst_option
@json_option
@click.pass_obj
def set_(app, imo, deadweight, gross_tonnage, vessel_type, name, mmsi, note, analyst, as_json):
    """Record or update one vessel's particulars (only the options given change; audited).

    \b
    Example:
      shipsight vessels set --imo 8604917 --deadweight 3300 --vessel-type tanker --note "Panel report S/2024/215"
    """
    from shipsight.vessels import set_vessel

    store = app.store()
    vid = set_vessel(store, imo, analyst=analyst, mmsi=mmsi, name=name, vessel_type=vessel_type,
                     deadweight=deadweight, gross_tonnage=gross_tonnage, note=note)
    vessels = store.vessels()
    row = records(vessels[vessels["id"] == vid])[0]
    if as_json:
        echo_json(row)
    else:
        click.echo(f"vessel IMO {row['imo']}: " + ", ".join(
            f"{k} {row[k]:g}" if isinstance(row[k], float) else f"{k} {row[k]}"
            for k in ("name", "vessel_type", "deadweight", "gross_tonnage") if row[k] is not None))


@vessels.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@analyst_option
@click.pass_obj
def import_(app, file, analyst):
    """Import vessel particulars from a CSV (imo, mmsi, name, vessel_type, deadweight, gross_tonnage, note).

    All or nothing: any bad row is reported with its row and field, and nothing is written.

    \b
    Example:
      shipsight vessels import samples/vessels.csv
    """
    from shipsight.vessels import import_vessels

    n = import_vessels(app.store(), file, analyst=analyst)
    click.echo(f"{count(n, 'vessel record')} read from {file}")


@vessels.command("list")
@json_option
@click.pass_obj
def list_(app, as_json):
    """List the vessel particulars analysts entered.

    \b
    Example:
      shipsight vessels list --json
    """
    frame = app.store(create=False).vessels()
    if as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, ["imo", "name", "vessel_type", "deadweight", "gross_tonnage", "mmsi", "note", "updated_at"],
                   title="Vessels")
