"""``shipsight ports``: import and list port areas."""

import click

from shipsight.cli.options import (
    allow_duplicates_option, analyst_option, encoding_option, json_option, layer_option, on_invalid_features_option,
)
from shipsight.cli.output import count, echo_err, echo_json, echo_table, records
from shipsight.model.vocab import PORT_KINDS


@click.group()
def ports():
    """Port areas: ports, terminals, anchorages, shipyards, berths."""


@ports.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name-field", help="Field holding the port name (default: name).")
@click.option("--kind-field", help="Field holding the kind (default: kind).")
@click.option("--watchlist-field", help="Field saying true/false for watch-listed (default: watchlist).")
@click.option("--reason-field", help="Field giving why a port is watch-listed (default: reason).")
@click.option("--kind", type=click.Choice(PORT_KINDS), help="Kind for every port without one.")
@click.option("--watchlist", is_flag=True, help="Mark every port of the file watch-listed.")
@click.option("--reason", help="Watch-list reason for every port without one.")
@click.option("--buffer-m", type=click.FloatRange(min=0, min_open=True),
              help="Radius in metres of the circle made around point ports.")
@layer_option
@on_invalid_features_option
@click.option("--allow-large", is_flag=True,
              help="Keep polygons wider than a hemisphere (refused otherwise as almost surely drawn wrong).")
@encoding_option
@allow_duplicates_option
@analyst_option
@json_option
@click.pass_obj
def import_(app, file, name_field, kind_field, watchlist_field, reason_field, kind, watchlist, reason,
            buffer_m, layer, on_invalid, allow_large, encoding, allow_duplicates, analyst, as_json):
    """Import port polygons from GeoJSON, GeoPackage, Shapefile, FlatGeobuf, KML/KMZ or CSV.

    CSV takes a WKT column, or lon/lat columns with --buffer-m; the NGA World
    Port Index CSV (Pub 150, current or older layout) is recognised, buffered
    by harbour size, and keeps each port's country, UN/LOCODE and WPI number.
    A ring drawn across ±180 is read as the small area it means and split
    there. A Shapefile needs its .prj; its .cpg (or --encoding) says its text
    encoding.

    A port identical to one already stored (same name, kind, watch-listing,
    reason, country, UN/LOCODE, WPI number and polygon) is skipped and
    counted, so importing a file again adds nothing; --allow-duplicates adds
    it again. A port that differs in any of these is added beside the old
    one (ports are never overwritten): 'ports list' shows both.

    \b
    Example:
      shipsight ports import samples/ports.geojson
      shipsight ports import wpi.csv --buffer-m 3000
      shipsight ports import ports_ru.shp --encoding cp1251
    """
    from shipsight.io.ports import read_ports

    frame = read_ports(file, name_field=name_field, kind_field=kind_field, watchlist_field=watchlist_field,
                       reason_field=reason_field, kind=kind, watchlist=watchlist or None, reason=reason,
                       buffer_m=buffer_m, layer=layer, on_invalid=on_invalid, encoding=encoding,
                       allow_large=allow_large)
    ids = app.store().add_ports(frame.drop(columns=["repaired"]), analyst=analyst, source=str(file),
                                duplicates="keep" if allow_duplicates else "skip")
    duplicates = len(frame) - len(ids)
    if duplicates:
        echo_err(f"{count(duplicates, 'port')} already stored (same name, identity, fields and polygon): skipped; "
                 "--allow-duplicates adds them again")
    if len(ids):
        from shipsight.store.portrows import namesakes

        stored = app.store().ports()
        new = stored["id"].isin(ids)
        for name, same in namesakes(stored[new], stored[~new]):
            echo_err(f"warning: {file}: port {name!r} differs from the stored port{'s' * (len(same) > 1)} of that "
                     f"name (id {', '.join(map(str, same))}); added beside it: give --port the id or UN/LOCODE")
    for name in frame.loc[frame["repaired"], "name"]:
        echo_err(f"warning: {file}: port {name!r} had an invalid polygon and was repaired")
    for row, field, reason in frame.attrs["skipped"]:
        echo_err(f"warning: {file}, row {row}, field {field}: skipped: {reason}")
    if as_json:
        echo_json({"imported": len(ids), "ids": [int(i) for i in ids], "duplicates": duplicates})
    else:
        click.echo(f"imported {count(len(ids), 'port')} from {file}")


@ports.command("list")
@json_option
@click.pass_obj
def list_(app, as_json):
    """List ports.

    \b
    Example:
      shipsight ports list --json
    """
    frame = app.store(create=False).ports()
    frame["area_km2"] = frame["area_m2"] / 1e6
    if as_json:
        frame["wkt"] = frame.geometry.to_wkt()
        echo_json(records(frame.drop(columns=["area_km2"])))
    else:
        echo_table(frame, ["id", "name", "kind", "country", "locode", "watchlist", "reason", "area_km2"],
                   title="Ports")
