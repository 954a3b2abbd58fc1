"""``shipsight sightings``: import, list, show, edit and retract sightings."""

import click

from shipsight.cli.options import (
    allow_duplicates_option, analyst_option, bbox_option, field_values, json_option, since_option, sighting_fields, sighting_file_options,
    tz_option, until_option,
)
from shipsight.cli.output import count, echo_err, echo_geojson, echo_json, echo_record, echo_table, id_span, records
from shipsight.cli.progress import progress_bar
from shipsight.io.formats import SIGHTING_FORMATS
from shipsight.model.vocab import ON_INVALID

TABLE_COLUMNS = ["id", "time", "name", "imo", "mmsi", "lon", "lat", "port", "nearest_port",
                 "nearest_port_distance_m", "confidence", "source", "analyst"]


@click.group()
def sightings():
    """Sightings of ships: import, sync, list, show, edit, retract."""


@sightings.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(SIGHTING_FORMATS), default="auto", show_default=True,
              help="File layout; xview3 is the xView3 / Ai2 vessel-detection CSV.")
@click.option("--on-invalid", type=click.Choice(ON_INVALID), default="raise", show_default=True,
              help="raise: any bad row stops the import; skip: import good rows, write bad ones to FILE.rejects.csv.")
@sighting_file_options
@allow_duplicates_option
@analyst_option
@json_option
@click.pass_obj
def import_(app, file, format_, on_invalid, layer, tz, time_format, encoding, allow_duplicates, analyst, as_json):
    """Import sightings from CSV, GeoJSON, GeoPackage, Shapefile, FlatGeobuf or KML/KMZ, all or nothing.

    Columns (or properties) are named as 'shipsight log' options: time, lon,
    lat, name, imo, mmsi, vessel_type, length_m, heading, confidence, source,
    scene, analyst, note; only time and a position are required.

    CSV: any of , ; tab | as delimiter (found from the file), decimal commas,
    UTF-8 with or without BOM (else --encoding). Times: ISO 8601 / RFC 3339
    with a zone (Z, +09, +0900, +09:00), or --time-format with --tz.
    Positions: decimal degrees, DMS or degrees and decimal minutes, with
    hemisphere letters or signs, as lon/lat or one position column. In GIS
    files the point geometry is the position; KML takes <TimeStamp> as the
    time and ExtendedData as the fields.

    --format xview3 reads xView3 / Ai2 vessel-detection CSVs as unreviewed
    candidates (confidence possible, source "detector: ..."). A detector's
    scene id is kept as the sighting's scene only when a scene with that id
    is registered: its time fills in a missing one, rows with pixels only
    are placed through it, and the pixel stored is always the registered
    scene's own (that of the row's lon/lat; a detector pixel of another grid
    stays in the note). Otherwise the scene id and pixel go into the note
    ("detector scene ID, pixel row R col C").

    \b
    Example:
      shipsight sightings import samples/sightings.csv
      shipsight sightings import feed.csv --on-invalid skip
      shipsight sightings import excel.csv --encoding cp1252 --time-format '%d/%m/%Y %H:%M' --tz UTC
      shipsight sightings import --format xview3 predictions.csv
    """
    from shipsight.sightings import import_sightings

    with progress_bar("importing", "rows") as progress:
        result = import_sightings(app.store(), file, format=format_, on_invalid=on_invalid, tz=tz,
                                  analyst=analyst, layer=layer, encoding=encoding, time_format=time_format,
                                  allow_duplicates=allow_duplicates, progress=progress)
    if result.rejected:
        echo_err(f"warning: {count(result.rejected, 'bad row')} skipped; "
                 f"see {result.rejects_path}")
    unknown = result.unknown_identifiers
    for kind, noun, what in (("imo", "IMO number", "0, 0000000, 1, ..."),
                             ("mmsi", "MMSI", "000000000, 123456789, non-ship")):
        if unknown.get(kind):
            echo_err(f"note: {count(unknown[kind], 'placeholder ' + noun)} ({what}) read as unknown and stored empty")
    if result.duplicates:
        echo_err(f"{count(result.duplicates, 'row')} already in the log (same time, position, "
                 "identity and source): skipped; --allow-duplicates writes them again")
    ids = result.ids
    if as_json:
        echo_json({"imported": len(ids), "rejected": result.rejected, "duplicates": result.duplicates,
                   "unknown_identifiers": unknown,
                   "rejects_file": str(result.rejects_path) if result.rejects_path else None,
                   "first_id": ids[0] if ids else None, "last_id": ids[-1] if ids else None,
                   "skipped_not_vessel": result.skipped})
    else:
        skipped = f"; {count(result.skipped, 'row')} with is_vessel false skipped" \
            if result.skipped else ""
        if ids:
            click.echo(f"imported {count(len(ids), 'sighting')} from {file}{id_span(ids)}{skipped}")
        else:
            click.echo(f"imported 0 sightings from {file}: every row is already in the log{skipped}")


@sightings.command("sync")
@click.argument("file", type=click.Path(dir_okay=False))
@sighting_file_options
@allow_duplicates_option
@analyst_option
@json_option
@click.pass_obj
def sync(app, file, layer, tz, time_format, encoding, allow_duplicates, analyst, as_json):
    """Bring back sightings exported and edited in a GIS (QGIS, Google Earth).

    Features are matched on id: changed fields become audited edits (a moved
    point is attributed to its port afresh), features without an id become
    new sightings, and nothing is deleted. A feature without an id whose
    time, position, identity and source are already in the log (the rule
    of 'sightings import') is not added again: syncing the same file twice
    changes nothing. A field also changed in the store since the export is
    a conflict: the sync is refused and each listed.

    \b
    Example:
      shipsight export --layer sightings edits.gpkg
      shipsight sightings sync edits.gpkg
    """
    from shipsight.sync import sync_sightings

    result = sync_sightings(app.store(), file, analyst=analyst, layer=layer, encoding=encoding, tz=tz,
                            time_format=time_format, allow_duplicates=allow_duplicates)
    if result.duplicates:
        echo_err(f"{count(result.duplicates, 'new feature')} already in the log (same time, position, identity and "
                 "source): not added again; --allow-duplicates adds them")
    if as_json:
        echo_json({"edited": {str(k): v for k, v in result.edited.items()}, "added": result.added,
                   "unchanged": result.unchanged, "duplicates": result.duplicates})
        return
    for sid, fields in result.edited.items():
        click.echo(f"edited sighting {sid}: {', '.join(fields)}")
    if result.added:
        click.echo(f"added {count(len(result.added), 'sighting')}{id_span(result.added)}")
    summary = (f"{len(result.edited)} edited, {len(result.added)} new, {result.unchanged} unchanged, "
               f"{result.duplicates} already in the log")
    if result.changed:
        click.echo(f"synced {file}: {summary}")
    else:
        click.echo(f"synced {file}: nothing changed ({summary})")


@sightings.command("list")
@click.option("--port", help="Port id, UN/LOCODE or name: sightings inside it (and inside its berths and terminals).")
@click.option("--vessel", help="Vessel name, IMO or MMSI.")
@since_option
@until_option
@bbox_option
@click.option("--retracted", is_flag=True, help="Include retracted sightings.")
@json_option
@click.option("--geojson", "as_geojson", is_flag=True, help="Print a GeoJSON FeatureCollection.")
@click.pass_obj
def list_(app, port, vessel, since, until, bbox, retracted, as_json, as_geojson):
    """List sightings, filtered.

    \b
    Example:
      shipsight sightings list --port Rajin --since 2023-08-01 --json
      shipsight sightings list --vessel 9179842 --geojson > angara.geojson
    """
    from shipsight.store import SightingQuery

    query = SightingQuery(port=port, vessel=vessel, since=since, until=until, bbox=bbox, include_retracted=retracted)
    # Rows printed as a table or JSON need no geometry (and so no geopandas).
    frame = app.store(create=False).sightings(query, geometry=as_geojson)
    if as_geojson:
        echo_geojson(frame)
    elif as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, TABLE_COLUMNS, title="Sightings")


@sightings.command("show")
@click.argument("sighting_id", type=int)
@json_option
@click.pass_obj
def show(app, sighting_id, as_json):
    """Show one sighting with every stored field, and its AIS correlation (ais_*) when it has one.

    \b
    Example:
      shipsight sightings show 12
    """
    from shipsight.ais.correlate_scene import match_fields

    store = app.store(create=False)
    record = records(store.sighting(sighting_id))[0]
    ais = match_fields(store, sighting_id)
    if not as_json:
        ais.pop("ais_evidence", None)  # the one-line summaries above say it for people
    echo_record({**record, **ais}, as_json=as_json)


@sightings.command("edit")
@click.argument("sighting_id", type=int)
@sighting_fields
@click.option("--analyst-name", "analyst_field", help="Change the analyst the sighting is credited to.")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
@tz_option
@analyst_option
@click.pass_obj
def edit(app, sighting_id, analyst_field, reason, tz, analyst, **fields):
    """Change fields of a sighting; old and new values go to the audit log.

    \b
    Example:
      shipsight sightings edit 12 --imo 9179842 --reason "IMO read from hull marking"
    """
    from shipsight.sightings import edit_sighting

    changes = field_values(fields)
    if analyst_field:
        changes["analyst"] = analyst_field
    edit_sighting(app.store(), sighting_id, changes, reason=reason, analyst=analyst, tz=tz)
    click.echo(f"edited sighting {sighting_id}")


@sightings.command("retract")
@click.argument("sighting_id", type=int)
@click.option("--reason", required=True, help="Why; kept in the audit log.")
@analyst_option
@click.pass_obj
def retract(app, sighting_id, reason, analyst):
    """Retract a sighting (it is kept, marked retracted, never deleted).

    \b
    Example:
      shipsight sightings retract 12 --reason "cloud shadow, not a ship"
    """
    app.store().retract_sighting(sighting_id, reason=reason, analyst=analyst)
    click.echo(f"retracted sighting {sighting_id}")
