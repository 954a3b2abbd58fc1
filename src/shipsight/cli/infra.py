"""``shipsight infra``: the layer of fixed structures (import, learn, list, accept, reject)."""

import click

from shipsight.cli.options import analyst_option, json_option, layer_option, on_invalid_features_option
from shipsight.cli.output import count, echo_err, echo_geojson, echo_json, echo_table, records
from shipsight.model.vocab import STRUCTURE_KINDS, STRUCTURE_RADIUS_M, STRUCTURE_STATUS

_RADIUS = click.FloatRange(min=0)
radius_options = [
    click.option("--radius-sar-m", type=_RADIUS,
                 help=f"Suppression radius around each structure in SAR scenes, metres "
                      f"(default {STRUCTURE_RADIUS_M['sar']:g}, or a radius_sar_m field)."),
    click.option("--radius-optical-m", type=_RADIUS,
                 help=f"Suppression radius in optical scenes, metres "
                      f"(default {STRUCTURE_RADIUS_M['optical']:g}, or a radius_optical_m field)."),
]


def _radii(func):
    for option in reversed(radius_options):
        func = option(func)
    return func


@click.group()
def infra():
    """Fixed structures (breakwaters, piers, platforms, wind turbines, buoys) that detection suppresses."""


@infra.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--name-field", help="Field holding the name (default: name, or OSM's seamark:name).")
@click.option("--kind-field", help="Field holding the kind (default: kind; else OSM tags say).")
@click.option("--kind", type=click.Choice(STRUCTURE_KINDS),
              help="Kind given to features whose fields and OSM tags say none.")
@_radii
@layer_option
@on_invalid_features_option
@analyst_option
@json_option
@click.pass_obj
def import_(app, file, name_field, kind_field, kind, radius_sar_m, radius_optical_m, layer, on_invalid, analyst,
            as_json):
    """Import structures (points, lines, polygons) from an OSM extract or any GIS file, accepted.

    OpenStreetMap tags give the kind: man_made=breakwater/groyne, pier,
    jetty, quay, offshore_platform, wind generators, seamark buoys and
    lights, islands. Detections within the radius of an accepted structure
    are suppressed (kept, with the reason, by detect --show-suppressed).

    \b
    Example:
      shipsight infra import osm_breakwaters.geojson
      shipsight infra import platforms.gpkg --kind platform --radius-sar-m 300
    """
    from shipsight.infra.layer import import_structures

    ids, frame = import_structures(app.store(), file, analyst=analyst, name_field=name_field, kind_field=kind_field,
                                   kind=kind, radius_sar_m=radius_sar_m, radius_optical_m=radius_optical_m,
                                   layer=layer, on_invalid=on_invalid)
    for i in frame.index[frame["repaired"]]:
        echo_err(f"warning: {file}: structure {frame.at[i, 'name'] or i + 1!r} had an invalid polygon and was repaired")
    for row, fld, reason in frame.attrs["skipped"]:
        echo_err(f"warning: {file}, row {row}, field {fld}: skipped: {reason}")
    already = int(frame["already"].sum())
    if as_json:
        echo_json({"imported": len(ids), "ids": [int(i) for i in ids], "already": already})
        return
    kinds = frame.loc[~frame["already"], "kind"].value_counts()
    detail = f" ({', '.join(f'{n} {k}' for k, n in kinds.items())})" if len(kinds) else ""
    click.echo(f"imported {len(ids)} structure{'s' * (len(ids) != 1)} from {file}{detail}"
               + (f"; {already} already in the layer, not added again" if already else ""))


@infra.command("list")
@click.option("--status", type=click.Choice(STRUCTURE_STATUS + ("all",)), default="all", show_default=True,
              help="Only structures of this status.")
@json_option
@click.option("--geojson", "as_geojson", is_flag=True, help="Print a GeoJSON FeatureCollection.")
@click.pass_obj
def list_(app, status, as_json, as_geojson):
    """List the structures: accepted, candidates waiting for review, rejected.

    \b
    Example:
      shipsight infra list --status candidate
    """
    frame = app.store(create=False).structures(status=None if status == "all" else status)
    if as_geojson:
        echo_geojson(frame)
    elif as_json:
        frame["wkt"] = frame.geometry.to_wkt()
        echo_json(records(frame))
    else:
        frame["where"] = frame.geometry.representative_point().map(lambda p: f"{p.y:.5f}, {p.x:.5f}")
        frame["geometry_type"] = frame.geom_type
        echo_table(frame, ["id", "name", "kind", "status", "geometry_type", "where", "radius_sar_m",
                           "radius_optical_m", "source"], title="Structures")


@infra.command("learn")
@click.argument("scenes", nargs=-1, required=True)
@click.option("--min-scenes", type=click.IntRange(min=2), default=3, show_default=True,
              help="Seen on at least this many different days.")
@click.option("--tolerance-px", type=click.FloatRange(min=0, min_open=True), default=2.0, show_default=True,
              help="Positions this many pixels apart (coarsest scene) are one place.")
@_radii
@click.option("--no-landmask", is_flag=True, help="Do not mask GSHHG land while detecting.")
@analyst_option
@json_option
@click.pass_obj
def learn(app, scenes, min_scenes, tolerance_px, radius_sar_m, radius_optical_m, no_landmask, analyst, as_json):
    """Learn candidate structures: targets bright at the same place in scenes on different days.

    SCENES are registered scene ids or image files (whose tags give the
    acquisition time). Candidates are stored for review; a target already
    in the layer (any status) is not added again. A ship anchored for days
    persists too: accept only what you recognise as fixed.

    \b
    Example:
      shipsight infra learn S1A_0105 S1A_0117 S1A_0129 S1A_0210
      shipsight infra list --status candidate
      shipsight infra accept 12 14
    """
    from shipsight.infra.layer import learn_candidates

    result = learn_candidates(app.store(), list(scenes), analyst=analyst, min_scenes=min_scenes, tol_px=tolerance_px,
                              radius_sar_m=radius_sar_m, radius_optical_m=radius_optical_m,
                              detect_options={"use_landmask": not no_landmask})
    if as_json:
        echo_json({"scenes": result.scenes, "candidates": result.new_ids, "already_known": result.known})
        return
    ids = result.new_ids
    click.echo(f"{count(len(ids), 'new candidate structure')} from {count(result.scenes, 'scene')}"
               f"{' (ids ' + ', '.join(map(str, ids)) + ')' if ids else ''}; {result.known} already in the layer")
    if ids:
        click.echo("review them with 'shipsight infra list --status candidate', then infra accept / infra reject")


@infra.command("accept")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--reason", help="Why (kept in the audit log).")
@analyst_option
@click.pass_obj
def accept(app, ids, reason, analyst):
    """Accept structures: detections near them are suppressed from now on.

    \b
    Example:
      shipsight infra accept 12 14 --reason "THUMS oil islands"
    """
    _review(app, ids, "accepted", reason, analyst)


@infra.command("reject")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--reason", required=True, help="Why (kept in the audit log; the structure stays on record).")
@analyst_option
@click.pass_obj
def reject(app, ids, reason, analyst):
    """Reject structures (a persistent ship, not a fixed thing): they no longer suppress anything.

    \b
    Example:
      shipsight infra reject 13 --reason "tanker at anchor for a week"
    """
    _review(app, ids, "rejected", reason, analyst)


def _review(app, ids, status, reason, analyst):
    from shipsight.infra.layer import review

    changed = review(app.store(), list(ids), status, analyst=analyst, reason=reason)
    same = len(set(ids)) - len(changed)
    click.echo(f"{status} {len(changed)} structure{'s' * (len(changed) != 1)}"
               + (f"; {same} already {status}" if same else ""))
