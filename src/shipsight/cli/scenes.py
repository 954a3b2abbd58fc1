"""``shipsight scenes``: register scenes, list and show them, find those covering a point."""

import click

from shipsight.cli.options import analyst_option, height_option, json_option, polarisation_option, tz_option
from shipsight.cli.output import echo_err, echo_geojson, echo_json, echo_table, records
from shipsight.errors import InputError

TABLE_COLUMNS = ["id", "sensor", "acquired", "crs", "width", "height", "count", "gsd_m", "path"]
SIGHTING_COLUMNS = ["id", "time", "name", "imo", "mmsi", "lon", "lat", "pixel_row", "pixel_col", "from_scene",
                    "confidence", "port"]


@click.group()
def scenes():
    """Satellite scenes: register GeoTIFF/COG files, list, show, find coverage."""


@scenes.command("add")
@click.argument("image", type=click.Path(exists=False))
@click.option("--stac", type=click.Path(dir_okay=False), help="The scene's STAC Item (JSON): id, time or range, sensor.")
@click.option("--acquired", help="Acquisition time, ISO 8601 with a zone (or --tz); overrides the product, STAC and "
                                 "file tags.")
@tz_option
@click.option("--sensor", help="Sensor or platform, e.g. sentinel-2b, WV03; overrides the product, STAC and tags.")
@click.option("--id", "scene_id",
              help="Scene id (default: the STAC Item id, else the product name, else the file name without extension).")
@polarisation_option
@height_option
@analyst_option
@json_option
@click.pass_obj
def add(app, image, stac, acquired, tz, sensor, scene_id, polarisation, height_m, analyst, as_json):
    """Register a scene: a GeoTIFF/COG, a Sentinel-1/2 SAFE folder or zip, a GCP- or RPC-only image, a STAC Item.

    Records CRS or georeferencing (geotransform, GCPs, RPCs), size, bands,
    GSD, footprint, time, sha256. The footprint is the valid-data area in
    EPSG:4326 (fill that the file does not declare, NaN or a zero border,
    is found and left out, and said so). A Sentinel-1 GRD product is read in
    its own radar geometry through its ground control points, with its time
    range from the annotation; an RPC-only image is placed through its RPCs
    at --height-m (sea level by default). The acquisition time comes from
    --acquired, else the STAC Item (an instant, or a range up to an hour;
    a longer range is kept as a range and sightings from it need --time),
    else the product's metadata or tags, else TIFFTAG_DATETIME (a warning
    says so). --tz names the zone of an --acquired or STAC time written
    without one (as for 'sightings import'); --acquired also overrides a
    STAC Item whose own time has no zone. The file's SHA-256 is kept, so a file changed later is
    refused when the scene is used.

    \b
    Example:
      shipsight scenes add S2B_20230414_sf.tif --acquired 2023-04-14T18:59:19Z --sensor sentinel-2b
      shipsight scenes add scene.tif --stac scene_item.json
      shipsight scenes add scene.tif --acquired "2023-10-05 11:10" --tz Asia/Seoul
      shipsight scenes add S1A_IW_GRDH_1SDV_20231005T093012_..._1C2D.SAFE --polarisation VH
      shipsight scenes add item.json
    """
    from shipsight.scenes import add_scene

    info = add_scene(app.store(), image, stac=stac, acquired=acquired, sensor=sensor, scene_id=scene_id,
                     analyst=analyst, polarisation=polarisation, height_m=height_m, tz=tz)
    for note in info.notes:
        echo_err(f"note: {note}")
    if info.acquired is None and info.time_start is not None:
        echo_err(f"warning: scene {info.id} spans {_utc(info.time_start)} - {_utc(info.time_end)}; "
                 "'shipsight log --pixel' on it needs --time")
    elif info.acquired is None:
        echo_err(f"warning: no acquisition time found for scene {info.id}; "
                 "'shipsight log --pixel' will need --time (register with --acquired to record one)")
    elif info.acquired_source == "tag:TIFFTAG_DATETIME":
        echo_err(f"warning: scene {info.id} time {info.acquired.isoformat()} is from TIFFTAG_DATETIME, which may be "
                 "when the file was made, not the acquisition; check it, or register with --acquired")
    if as_json:
        echo_json(info.to_record())
        return
    when = _utc(info.acquired) if info.acquired else "time unknown"
    if info.time_start is not None and info.time_end is not None:
        when += f" (range {_utc(info.time_start)} - {_utc(info.time_end)})"
    place = _crs_short(info.crs) if info.georef == "affine" else f"{info.georef.upper()} georeferencing"
    click.echo(f"registered scene {info.id}: {info.width} x {info.height} px, {info.count} band"
               f"{'s' * (info.count > 1)} {'/'.join(sorted(set(info.dtypes)))}, {place}, "
               f"GSD {info.gsd_m:.1f} m, {info.sensor or 'sensor unknown'}, {when}"
               f"{f' (from {info.acquired_source})' if info.acquired_source else ''}")


def _utc(when):
    return when.isoformat().replace("+00:00", "Z")


def _crs_short(crs):
    return crs if len(crs) <= 40 else "custom CRS (WKT)"


@scenes.command("list")
@json_option
@click.option("--geojson", "as_geojson", is_flag=True, help="Print the footprints as a GeoJSON FeatureCollection.")
@click.pass_obj
def list_(app, as_json, as_geojson):
    """List registered scenes.

    \b
    Example:
      shipsight scenes list
      shipsight scenes list --geojson > footprints.geojson
    """
    frame = app.store(create=False).scenes()
    _echo_scenes(frame, as_json=as_json, as_geojson=as_geojson, title="scenes")


def _echo_scenes(frame, *, as_json, as_geojson, title, extra=()):
    frame = frame.drop(columns=["stac"], errors="ignore")
    if as_geojson:
        echo_geojson(frame)
    elif as_json:
        echo_json(records(frame))
    else:
        show = frame.copy()
        show["crs"] = show["crs"].map(_crs_short)
        echo_table(show, [*TABLE_COLUMNS[:-1], *extra, TABLE_COLUMNS[-1]], title=title)


@scenes.command("show")
@click.argument("scene_id", metavar="ID")
@click.option("--no-verify", is_flag=True, help="Do not re-hash the file (large scenes take a moment).")
@json_option
@click.pass_obj
def show(app, scene_id, no_verify, as_json):
    """Show one scene: its record, footprint, file state and the sightings inside it.

    The file is re-hashed and reported as unchanged, CHANGED or MISSING.

    \b
    Example:
      shipsight scenes show port_la_2021-01-05_db
    """
    from shipsight.scenes import get_scene, scene_file_status, scene_summary, sightings_in_scene

    store = app.store(create=False)
    scene = get_scene(store, scene_id)
    inside = sightings_in_scene(store, scene_id)
    status = None if no_verify else scene_file_status(scene)
    summary = scene_summary(scene, sightings=inside, file_status=status)
    if as_json:
        echo_json(summary)
        return
    for key, value in summary.items():
        if key == "footprint":
            value = value if len(value) <= 160 else value[:157] + "..."
        if key == "file" and value != "unchanged":
            value = f"{value.upper()}: restore the registered file, or register it again under a new --id"
        click.echo(f"{key:22} {'' if value is None else value}")
    if status in ("changed", "missing"):
        echo_err(f"warning: the file of scene {scene['id']} is {status}; it cannot be used for logging or chips")


@scenes.command("covering")
@click.option("--lon", type=float, help="Longitude of the point, degrees east.")
@click.option("--lat", type=float, help="Latitude of the point, degrees north.")
@click.option("--sighting", "sighting_id", type=int, help="A sighting id instead of --lon/--lat.")
@json_option
@click.pass_obj
def covering(app, lon, lat, sighting_id, as_json):
    """List the scenes whose valid-data footprint covers a point or a sighting.

    With --sighting, hours_from_sighting is the scene time minus the sighting
    time. Footprints across the antimeridian are handled.

    \b
    Example:
      shipsight scenes covering --lon -118.2 --lat 33.72
      shipsight scenes covering --sighting 12 --json
    """
    from shipsight.scenes import scenes_covering, scenes_covering_sighting

    store = app.store(create=False)
    if sighting_id is not None:
        if lon is not None or lat is not None:
            raise InputError("give --sighting or --lon/--lat, not both", where="--sighting")
        frame = scenes_covering_sighting(store, sighting_id)
        extra = ("hours_from_sighting",)
    else:
        if lon is None or lat is None:
            raise InputError("give --lon and --lat, or --sighting ID", where="--lon/--lat")
        frame = scenes_covering(store, lon, lat)
        extra = ()
    _echo_scenes(frame, as_json=as_json, as_geojson=False, title="scenes covering", extra=extra)


@scenes.command("sightings")
@click.argument("scene_id", metavar="ID")
@click.option("--retracted", is_flag=True, help="Include retracted sightings.")
@json_option
@click.option("--geojson", "as_geojson", is_flag=True, help="Print a GeoJSON FeatureCollection.")
@click.pass_obj
def sightings_(app, scene_id, retracted, as_json, as_geojson):
    """List the sightings inside a scene's footprint (at any time); from_scene marks those logged from it.

    \b
    Example:
      shipsight scenes sightings port_la_2021-01-05_db
    """
    from shipsight.scenes import sightings_in_scene

    frame = sightings_in_scene(app.store(create=False), scene_id, include_retracted=retracted)
    if as_geojson:
        echo_geojson(frame)
    elif as_json:
        echo_json(records(frame))
    else:
        show = frame.copy()
        for c in ("pixel_row", "pixel_col"):
            # Pixels logged with --pixel are whole numbers: print them as such, not "300.0".
            if (show[c].dropna() % 1 == 0).all():
                show[c] = show[c].round().astype("Int64")
        echo_table(show, SIGHTING_COLUMNS, title=f"sightings in scene {scene_id}")
