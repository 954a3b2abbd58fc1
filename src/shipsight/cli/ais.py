"""``shipsight ais``: import AIS into the archive, list vessels' identities, show tracks."""

import click

from shipsight.cli.options import (TimeType, analyst_option, json_option, scheduler_option, since_option, tz_option,
                                   until_option, workers_option)
from shipsight.cli.output import count, echo_err, echo_json, echo_table, records, rounded
from shipsight.cli.progress import progress_bar
from shipsight.rules import BEHAVIOUR_DEFAULTS

FORMATS = ("auto", "nmea", "marinecadastre", "marinecadastre2025", "plain")
KINDS = ("all", "ship", "group", "base-station", "sar-aircraft", "handheld", "craft", "aton", "sart", "mob", "epirb",
         "invalid")


@click.group()
def ais():
    """AIS: positions in a columnar archive beside the store, identities over time in the store.

    The archive is the folder named by the global --ais PATH (or SHIPSIGHT_AIS);
    beside a SQLite store by default (shipsight.db -> shipsight.ais).
    """


@ais.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="File layout; auto reads the first lines.")
@click.option("--received-at", type=TimeType(),
              help="Time of NMEA messages that carry none (no tag-block c:, no $PGHP): when the file was recorded.")
@tz_option
@analyst_option
@json_option
@click.pass_obj
def import_(app, files, format_, received_at, tz, analyst, as_json):
    """Import AIS files: NMEA (!AIVDM/!AIVDO), MarineCadastre CSV/zip (both layouts), or plain CSV.

    Positions (types 1-3, 18, 19, 27) go to the archive, partitioned by day;
    static data (5, 19, 24) become each MMSI's identities over time in the
    store. Broken or empty NMEA sentences are counted and skipped. A file
    imported before adds nothing. A damaged file (cut short, corrupt, ragged,
    not UTF-8) is refused on one line with nothing written, for every file
    named with it. The summary says why each row not recorded was left out.

    \b
    Example:
      shipsight ais import AIS_2022_01_03.zip
      shipsight ais import feed.nmea --received-at 2024-03-01T09:30:00Z
      shipsight --ais /srv/ais ais import day1.csv day2.csv
    """
    from shipsight.ais.imports import import_ais

    store = app.store()
    with progress_bar("importing AIS", "positions read") as progress:
        results = import_ais(store, app.archive(create=True), files, format=format_, received_at=received_at, tz=tz,
                             analyst=analyst, progress=progress)
    for r in results:
        for line in r.warnings() if r.created or not r.recorded else []:
            echo_err(f"warning: {line}")
    if as_json:
        echo_json([{**r.as_record(), "archive": str(app.archive().path)} for r in results])
        return
    for r in results:
        if not r.recorded:
            click.echo(f"{r.file}: nothing new ({r.already_archived:,} positions already in the archive); "
                       "not recorded as an import")
            continue
        if not r.created:
            click.echo(f"{r.file}: already imported (import {r.import_id}); nothing added")
            continue
        span = f" from {r.first_time:%Y-%m-%d %H:%M} to {r.last_time:%Y-%m-%d %H:%M} UTC" if r.first_time else ""
        unit = ("position report", "position reports") if r.format == "nmea" else ("row", "rows")
        left = r.accounting()
        click.echo(f"{r.file} ({r.format}): {count(r.rows, *unit, thousands=True)} -> "
                   f"{count(r.positions, 'position', thousands=True)} of "
                   f"{count(r.vessels, 'MMSI', thousands=True)}{span} into {app.archive().path}; "
                   f"{left + '; ' if left else ''}"
                   f"{count(r.statics, 'static report', thousands=True)} -> "
                   f"{count(r.identities_added, 'new identity', 'new identities', thousands=True)}, "
                   f"{r.identities_extended:,} extended")


@ais.command("vessels")
@click.option("--mmsi", help="Only this MMSI.")
@click.option("--imo", help="Only identities broadcasting this IMO number.")
@click.option("--name", help="Part of the name (any case).")
@click.option("--kind", type=click.Choice(KINDS), default="ship", show_default=True,
              help="Kind of station the MMSI names (ITU-R M.585); 'all' for every one.")
@click.option("--country", help="MID country: ISO code (PA, KP) or part of the name.")
@click.option("--vessel-type", help="Part of the vessel type, e.g. tanker.")
@since_option
@until_option
@json_option
@click.pass_obj
def vessels(app, mmsi, imo, name, kind, country, vessel_type, since, until, as_json):
    """List the vessels' identities broadcast in AIS, each with the time it was valid.

    One row per identity run: a vessel that changed name, or stopped sending
    its IMO, has one row for each, with valid_from and valid_to (first and
    last report of it).

    \b
    Example:
      shipsight ais vessels --vessel-type tanker --country KP
      shipsight ais vessels --imo 9179842 --json
    """
    from shipsight.ais.vessels import ais_vessels
    from shipsight.model.identity import parse_imo, parse_mmsi

    imo_key = parse_imo(imo) if imo else None
    frame = ais_vessels(app.store(create=False), mmsi=parse_mmsi(mmsi) if mmsi else None,
                        imo=imo_key, name=name, since=since, until=until, kind=kind,
                        country=country, vessel_type=vessel_type)
    if imo and imo_key is None:  # a placeholder (0000000) is no vessel's number: it finds nothing
        frame = frame.iloc[0:0]
    if as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, ["mmsi", "kind", "flag", "name", "imo", "call_sign", "vessel_type", "length_m",
                           "valid_from", "valid_to", "reports"], title="AIS identities")


@ais.command("track")
@click.argument("vessel")
@since_option
@until_option
@json_option
@click.option("--geojson", "as_geojson", is_flag=True,
              help="Print GeoJSON: a point per position and a line per MMSI (split at the antimeridian).")
@click.pass_obj
def track(app, vessel, since, until, as_json, as_geojson):
    """Show a vessel's AIS positions by MMSI or IMO number, with the identity it broadcast.

    By IMO the track follows the vessel across MMSIs (while the identity in
    force carried that IMO). Without --since/--until: the span of its
    identities, a day either side.

    \b
    Example:
      shipsight ais track 367379190 --since 2022-01-03 --until 2022-01-03
      shipsight ais track "IMO 8207721" --geojson > eagle.geojson
    """
    from shipsight.ais.tracks import track_lines, vessel_track

    frame = rounded(vessel_track(app.store(create=False), app.archive(), vessel, since=since, until=until))
    if as_geojson:
        import geopandas as gpd
        import pandas as pd
        import shapely

        points = gpd.GeoDataFrame(frame, geometry=shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy()),
                                  crs="EPSG:4326")
        from shipsight.cli.output import echo_geojson

        echo_geojson(rounded(pd.concat([points, track_lines(frame)], ignore_index=True)))
    elif as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, ["mmsi", "time", "lon", "lat", "sog", "cog", "heading", "name", "imo"],
                   title=f"AIS track of {vessel}")


@ais.command("imports")
@json_option
@click.pass_obj
def imports(app, as_json):
    """List the AIS files imported: file, SHA-256, archive, counts.

    \b
    Example:
      shipsight ais imports --json
    """
    frame = app.store(create=False).ais_imports()
    if as_json:
        echo_json(records(frame))
    else:
        echo_table(frame, ["id", "source", "format", "positions", "statics", "vessels", "first_time", "last_time",
                           "sha256", "analyst", "at"], title="AIS imports")


def correlation_options(func):
    """One option per correlation parameter (defaults and help from ``model.vocab.AIS_CORRELATION``)."""
    from shipsight.model.vocab import AIS_CORRELATION

    for name, (default, text) in reversed(AIS_CORRELATION.items()):
        func = click.option(f"--{name.replace('_', '-')}", name, type=float, default=default, show_default=True,
                            help=text)(func)
    return click.option("--no-azimuth-shift", is_flag=True,
                        help="Do not move AIS positions to where a SAR image shows a moving ship.")(func)


def correlation_params(kwargs):
    """The :class:`~shipsight.ais.correlate.CorrelationParams` of the options, popped from ``kwargs``."""
    from shipsight.ais.correlate import CorrelationParams
    from shipsight.model.vocab import AIS_CORRELATION

    values = {name: kwargs.pop(name) for name in AIS_CORRELATION}
    return CorrelationParams(**values, azimuth_shift=not kwargs.pop("no_azimuth_shift"))


def correlation_lines(runs):
    """A summary line per correlated scene, for people."""
    lines = []
    for r in runs:
        c = r.result.counts
        s = r.saved or {}
        shift = " (SAR azimuth shift applied)" if r.result.geometry else ""
        lines.append(
            f"scene {r.scene_id}: {c['matched']} matched, {c['ambiguous']} ambiguous, {c['dark']} dark, "
            f"{c['no-coverage']} no coverage; {c['ais-only']} AIS-only; "
            f"{count(r.result.placed, 'vessel', thousands=True)} placed from "
            f"{count(r.positions, 'position', thousands=True)}, coverage {count(r.result.coverage, 'vessel')}{shift}; "
            f"{count(s.get('identities_written', 0), 'identity', 'identities')} written, "
            f"{s.get('matches_new', 0) + s.get('matches_changed', 0)} changed; "
            f"read {r.scan.bytes / 1e6:.2f} MB in {count(r.scan.row_groups, 'row group')}")
    return lines


@ais.command("correlate")
@click.argument("scene", required=False)
@click.option("--all", "all_scenes", is_flag=True, help="Every registered scene that has sightings of its own.")
@correlation_options
@analyst_option
@json_option
@click.pass_obj
def correlate(app, scene, all_scenes, analyst, as_json, **options):
    """Correlate a scene's sightings with AIS: matched, ambiguous, dark or no-coverage.

    Every vessel is placed at the scene time (great-circle interpolation between
    pings up to 60 min either side, else dead reckoning from a ping up to 30 min,
    moved for the SAR azimuth shift when the scene's STAC says its pass), gated
    (1,500 m, growing 500 m a minute beyond a 10 min gap, at most 5 km), and
    assigned one-to-one; length agreement weighs in, never vetoes. A matched
    sighting takes the vessel's identity (audited, reason "ais: ..."), never
    over an analyst's. AIS vessels in the footprint with no detection in their
    gate are listed as AIS-only. Re-running changes nothing unless new AIS came.

    \b
    Example:
      shipsight ais correlate S1A_20240301
      shipsight --ais /srv/ais ais correlate --all --gate-m 1000 --json
    """
    from shipsight.ais.correlate_scene import correlate_scenes
    from shipsight.errors import InputError

    if bool(scene) == bool(all_scenes):
        raise InputError("name one SCENE or pass --all", where="ais correlate")
    params = correlation_params(options)
    store = app.store(create=False)
    runs = correlate_scenes(store, app.archive(create=True), None if all_scenes else [scene], params=params,
                            analyst=analyst)
    for r in runs:
        for line in r.warnings():
            echo_err(f"warning: {line}")
    if as_json:
        echo_json([correlation_record(r) for r in runs])
        return
    for r in runs:
        m = r.result.matches
        show = m.assign(candidates=[len(e["candidates"]) for e in m["evidence"]])
        echo_table(show, ["sighting_id", "status", "mmsi", "name", "imo", "distance_m", "gate_m", "candidates"],
                   title=f"AIS correlation of scene {r.scene_id}")
        if len(r.result.ais_only):
            echo_table(r.result.ais_only, ["mmsi", "name", "imo", "vessel_type", "length_m", "lon", "lat", "method"],
                       title="AIS-only: placed in the footprint, no detection in the gate")
    for line in correlation_lines(runs):
        click.echo(line)


def correlation_record(run):
    """One scene's correlation as JSON-able data."""
    res = run.result
    return {"scene_id": run.scene_id, "counts": res.counts, "coverage": res.coverage, "placed": res.placed,
            "unplaceable": res.unplaceable, "positions": run.positions, "time_assumed_left_out": run.time_assumed,
            "sar_geometry": res.geometry,
            "saved": run.saved, "bytes_read": run.scan.bytes, "row_groups": run.scan.row_groups,
            "sightings": records(rounded(res.matches)), "ais_only": records(rounded(res.ais_only))}


@ais.command("screen")
@click.option("--names", is_flag=True, help="Also list vessels that match a listed name only (never a match).")
@click.option("--fuzzy-threshold", type=float, default=90.0, show_default=True,
              help="Least similarity (0-100) of a near spelling of a name; 100 for exact names only.")
@since_option
@until_option
@scheduler_option
@workers_option
@json_option
@click.pass_obj
def screen(app, names, fuzzy_threshold, since, until, scheduler, workers, as_json):
    """Screen every AIS identity against the loaded sanctions lists.

    The same matcher and evidence as sightings. A match on an identifier is
    "listed" when nothing the vessel broadcasts contradicts the list, and an
    "identity-mismatch" when it broadcasts a listed vessel's IMO under another
    name or MMSI, or a listed vessel's MMSI with another IMO. A match on a name
    alone (FREEDOM, PATRIOT...) is never reported as a match; --names lists
    them as "name-only".

    \b
    Example:
      shipsight ais screen
      shipsight ais screen --since 2022-01-03 --names --json
      shipsight ais screen --workers 2
    """
    from shipsight.ais.screen import screen_ais

    frame = screen_ais(app.store(create=False), since=since, until=until, fuzzy_threshold=fuzzy_threshold,
                       names=names, scheduler=scheduler, workers=workers)
    if as_json:
        import json

        # The screening keeps designations as JSON text (as flags store them); a pipe wants them as data.
        echo_json([{**r, "designations": json.loads(r["designations"]) if isinstance(r.get("designations"), str)
                    else r.get("designations")} for r in records(frame)])
        return
    echo_table(frame, ["status", "mmsi", "name", "imo", "listed_name", "listed_imos", "listed_mmsis", "matched_on",
                       "mismatch", "valid_from", "valid_to"], title="AIS identities on the sanctions lists")
    counts = frame["status"].value_counts()
    mismatches = count(counts.get('identity-mismatch', 0), 'identity mismatch', 'identity mismatches')
    click.echo(f"{counts.get('listed', 0)} listed, {mismatches}"
               + (f", {count(counts.get('name-only', 0), 'name-only coincidence')} (not matches)" if names else ""))


#: The threshold options of ``ais behaviour``: (name, type, help); defaults from BEHAVIOUR_DEFAULTS.
_THRESHOLDS = [
    ("gap_hours", float, "ais-gap: shortest silence, hours."),
    ("gap_shore_nm", float, "ais-gap: both ends at least this far from shore, nm."),
    ("gap_positions", int, "ais-gap: positions needed in the lookback before the gap."),
    ("gap_lookback_hours", float, "ais-gap: the lookback, hours."),
    ("watchlist_gap_hours", float, "ais-gap-near-watchlist: shortest silence, hours."),
    ("watchlist_nm", float, "ais-gap-near-watchlist: start or end this near a watch-listed port, nm."),
    ("encounter_m", float, "ais-encounter: vessels this close, metres."),
    ("encounter_hours", float, "ais-encounter: for at least this long, hours."),
    ("encounter_knots", float, "ais-encounter: median speed under this, knots."),
    ("encounter_port_km", float, "ais-encounter: at least this far from every port polygon, km."),
    ("resample_minutes", float, "ais-encounter: tracks resampled every this many minutes."),
    ("interpolate_hours", float, "ais-encounter: never interpolated across a silence longer than this, hours."),
    ("loiter_knots", float, "loitering: mean speed under this, knots."),
    ("loiter_hours", float, "loitering: for at least this long, hours."),
    ("loiter_shore_nm", float, "loitering: at least this far from shore on average, nm."),
    ("loiter_gap_hours", float, "loitering: no speed is read across a silence longer than this, hours."),
    ("loiter_positions", int, "loitering: at least this many slow positions."),
    ("identity_days", float, "identity-change: two names or IMOs within this many days."),
    ("spoof_knots", float, "ais-spoofing: a step faster than this..."),
    ("spoof_km", float, "ais-spoofing: ...and longer than this (km) is impossible."),
    ("same_place_m", float, "ais-spoofing: two reports of one second farther apart than this, metres."),
    ("land_margin_m", float, "ais-spoofing: positions on land at least this far from water, metres."),
    ("call_hours", float, "port calls: at least this long stopped inside a port polygon, hours."),
    ("call_knots", float, "port calls: 'stopped' is under this speed, knots."),
    ("break_hours", float, "runs (loitering, encounters, calls) break at a silence longer than this, hours."),
]


def _threshold_options(func):
    for name, typ, text in reversed(_THRESHOLDS):
        func = click.option("--" + name.replace("_", "-"), name, type=typ, default=BEHAVIOUR_DEFAULTS[name],
                            show_default=True, help=text)(func)
    return func


@ais.command("behaviour")
@since_option
@until_option
@scheduler_option
@workers_option
@click.option("--vessel-buckets", type=click.IntRange(min=1), default=1, show_default=True,
              help="Split each day's vessels into this many partitions (when a day does not fit a worker).")
@click.option("--encounter-chunks", type=click.IntRange(min=1), default=1, show_default=True,
              help="Search encounters in this many slices of each day (every vessel of a slice at once).")
@_threshold_options
@analyst_option
@json_option
@click.pass_obj
def behaviour(app, since, until, scheduler, workers, vessel_buckets, encounter_chunks, analyst, as_json, **thresholds):
    """Find AIS behaviour over the whole archive and flag it: gaps, encounters, loitering,
    identity changes, spoofing; and port calls from AIS.

    Rules (thresholds are options; defaults as Global Fishing Watch publishes them):
    ais-gap (12 h silent, both ends 50 nm or more from shore, 14 positions in the
    12 h before), ais-gap-near-watchlist (a silence beginning or ending within 50 nm
    of a watch-listed port), ais-encounter (two vessels within 500 m for 2 h at a
    median speed under 2 kn, 10 km or more from any port), loitering (under 2 kn
    on average for 2 h, 20 nm or more from shore), identity-change (two names or
    IMOs within 30 days, an IMO on two MMSIs, a MID of no country or not the
    listed flag), ais-spoofing (an MMSI in two places at once, or on land). AIS
    port calls (1 h or more stopped inside a port polygon) join imagery calls in
    port-calls, export and cap.

    Each day (and share of vessels) is a partition, run in this process, on a
    local Dask cluster (--workers N) or on a team's (--scheduler); each
    partition's flags are written in one transaction. A rerun adds nothing twice
    and withdraws flags no longer found.

    \b
    Example:
      shipsight ais behaviour --since 2024-03-01 --until 2024-03-31
      shipsight ais behaviour --workers 2 --loiter-hours 4
      shipsight ais behaviour --scheduler tcp://10.0.0.5:8786 --json
    """
    from shipsight.ais.behaviour.params import BehaviourParams
    from shipsight.ais.behaviour.run import run_behaviour

    params = BehaviourParams(**thresholds)
    run = run_behaviour(app.store(create=False), app.archive(), analyst=analyst, since=since, until=until, params=params,
                        scheduler=scheduler, workers=workers, vessel_buckets=vessel_buckets,
                        encounter_chunks=encounter_chunks)
    if as_json:
        echo_json(run.as_record())
        return
    found = ", ".join(f"{rule} {n}" for rule, n in run.found.items())
    click.echo(f"{count(run.positions, 'position', thousands=True)} in {count(run.partitions, 'partition')}; flags found: {found}; "
               f"AIS port calls: {run.port_calls}")
    c = run.changes
    click.echo(f"flags: {c['new']} new, {c['updated']} updated, {c['withdrawn']} withdrawn, {c['unchanged']} unchanged")
