"""``shipsight detect``: find ships in a SAR or optical scene; save them as candidate sightings."""

import time

import click

from shipsight.cli.ais import correlation_lines, correlation_record
from shipsight.cli.options import (analyst_option, height_option, json_option, overwrite_option, polarisation_option,
                                   scheduler_option)
from shipsight.cli.output import count, echo_err, echo_json, echo_table, id_span, records
from shipsight.cli.progress import prepare_coast, progress_bar

TABLE_COLUMNS = ["row", "col", "lon", "lat", "length_m", "width_m", "heading_axis_deg", "score", "confidence"]
SUPPRESSED_COLUMNS = ["suppressed", "suppressed_reason"]
#: Pixels to a tenth, confidence to a hundredth: what a person can use (degrees and metres: echo_table).
TABLE_FORMATS = {"row": "{:.1f}", "col": "{:.1f}", "confidence": "{:.2f}"}


@click.command()
@click.argument("images", nargs=-1, type=click.Path())
@click.option("--scene", "scene_id", help="Registered scene the image is (or, without IMAGE, the scene to read).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the detections to this file: GeoJSON (.geojson), or another export format by extension.")
@overwrite_option
@click.option("--save", is_flag=True,
              help="Save the detections as candidate sightings (confidence possible) of the scene; re-runs add none twice.")
@click.option("--ais", "with_ais", is_flag=True,
              help="With --save: correlate the scene's sightings with the AIS archive (see 'shipsight ais correlate').")
@click.option("--pfa", type=float, default=1e-6, show_default=True, help="False-alarm probability per clutter pixel.")
@click.option("--guard-m", type=float, default=500.0, show_default=True,
              help="Guard window width in metres (longer than the longest ship).")
@click.option("--background-m", type=float, default=800.0, show_default=True,
              help="Background window width in metres (the clutter ring lies between guard and background).")
@click.option("--min-length-m", type=float, help="Shortest object kept, metres (default 2.5 pixels).")
@click.option("--max-length-m", type=float, default=600.0, show_default=True, help="Longest object kept, metres.")
@click.option("--band", type=int, multiple=True, help="1-based band; repeat to average several (optical brightness).")
@click.option("--kind", type=click.Choice(["auto", "sar", "optical"]), default="auto", show_default=True,
              help="auto: the product's tags and band names, else 3+ bands or 8-bit data is optical, else SAR.")
@click.option("--units", type=click.Choice(["auto", "intensity", "amplitude", "db"]), default="auto", show_default=True,
              help="SAR units of the values; auto: from the metadata, else inferred from the speckle (and said so).")
@click.option("--offset", type=float, help="Optical: reflectance = (DN + OFFSET) x SCALE (default from the product, "
                                          "e.g. Sentinel-2 BOA_ADD_OFFSET).")
@click.option("--scale", type=float, help="Optical: see --offset (Sentinel-2: 1/10000).")
@polarisation_option
@click.option("--denoise", is_flag=True, help="Sentinel-1: subtract the thermal noise LUT before calibrating to sigma0.")
@height_option
@click.option("--land", type=click.Path(dir_okay=False), help="Vector file of land polygons to mask (any CRS).")
@click.option("--no-landmask", is_flag=True, help="Do not mask GSHHG land (roaring-landmask).")
@click.option("--no-ports", is_flag=True,
              help="Do not use the store's port polygons (inside them the image, not GSHHG, decides what is water).")
@click.option("--no-infra", is_flag=True, help="Do not suppress detections near the store's accepted structures.")
@click.option("--infra-radius-m", type=click.FloatRange(min=0),
              help="One suppression radius around every structure, metres (default: each structure's own, "
                   "200 m SAR / 50 m optical unless imported otherwise).")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Suppress detections less confident than this; 0.25 drops faint SAR specks "
                   "(and ships at 5 dB over the sea).")
@click.option("--ambiguity-m", type=click.FloatRange(min=0, min_open=True), multiple=True,
              help="Azimuth ambiguity distance of the SAR sensor, metres (lambda R PRF / 2V; repeat per swath): "
                   "weak copies that far along azimuth from a bright target are marked.")
@click.option("--ambiguity-from", type=click.Path(dir_okay=False),
              help="Sentinel-1 annotation XML giving the ambiguity distance of each swath (instead of --ambiguity-m).")
@click.option("--show-suppressed", is_flag=True,
              help="Also list (and write with --out) what was suppressed, with the reason.")
@click.option("--unsearched", is_flag=True,
              help="Every registered scene the detector has not searched with --save yet (with or beside IMAGES).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes: over tiles for one scene, a local Dask cluster over scenes for several.")
@scheduler_option
@analyst_option
@json_option
@click.pass_obj
def detect(app, images, scene_id, out, overwrite, save, with_ais, pfa, guard_m, background_m, min_length_m,
           max_length_m, band, kind, units, offset, scale, polarisation, denoise, height_m, land, no_landmask,
           no_ports, no_infra, infra_radius_m, min_confidence, ambiguity_m, ambiguity_from, show_suppressed, unsearched,
           workers, scheduler, analyst, as_json):
    """Find ships in a SAR or optical product with a CFAR detector; print, write or save them.

    IMAGE is a GeoTIFF/COG, a Sentinel-1 GRD SAFE folder, zip or measurement
    TIFF (searched in its own radar grid, calibrated to sigma0 from its
    LUT, placed through its GCPs), a Sentinel-2 SAFE or band (reflectance
    from its offset and quantification value), an RPC-only image, or a STAC
    Item. SAR may be intensity, amplitude or dB, any polarisation: the units
    come from the metadata or are inferred and printed (--units to say).
    Fill the file does not declare (NaN, a zero border) is not searched.
    Each object gets lon/lat, pixel row/col (0.0 = centre of the first
    pixel), length and width in metres from its orientation, the hull axis
    (0-180 from north), peak and mean value and a score (dB over clutter).
    GSHHG land, --land polygons and land seen in the image are masked;
    inside the store's port polygons the image, not GSHHG, says where the
    water is, and so it does (with a warning) in a coastal scene GSHHG calls
    land almost throughout. Scenes smaller than the background window are
    searched against the clutter of their whole water, sigma-clipped. A
    warning says when little of the valid area was searched, or nothing was
    found in a scene larger than the background window.

    What is not a ship is suppressed, never silently: objects near the
    store's accepted structures (shipsight infra), touching land, on
    breakwaters and jetties or thin lines, SAR side lobes and (with
    --ambiguity-m) azimuth ambiguities, blobs too wide for a hull, and
    objects below --min-confidence. The summary counts them by reason;
    --show-suppressed lists them. Candidates are listed most confident first.

    --save stores them as candidate sightings (source "detector:
    shipsight-cfar", confidence possible, the scene's time and the pixel) to
    confirm or retract like any other; a re-run adds none twice. It needs a
    registered scene: --scene ID, or IMAGE is looked up among the registered
    scenes (path, then SHA-256) and else registered under its file name if
    its tags carry the acquisition time. --ais then correlates the scene's
    sightings with AIS (default parameters of 'shipsight ais correlate'):
    matched ones take the vessel's identity, the others are ambiguous, dark
    or without coverage.

    Several IMAGES, or --unsearched (every registered scene not searched with
    --save yet), run one scene per Dask task: in this process, on a local
    cluster (--workers N) or on a team's (--scheduler); each scene's
    candidates are saved in one transaction as it finishes.

    \b
    Example:
      shipsight detect S1A_20210105_vv_db.tif --out ships.geojson
      shipsight scenes add S1A.tif --acquired 2021-01-05T01:50:00Z --id S1A
      shipsight detect --scene S1A --save --workers 2
      shipsight detect S1A.tif --show-suppressed --min-confidence 0.8
      shipsight detect S1B.tif --ambiguity-from S1B.SAFE/annotation/s1b-iw-grd-vv-...-001.xml
      shipsight --ais /srv/ais detect --scene S1A --save --ais
      shipsight detect scenes/*.tif --save --workers 2
      shipsight detect --unsearched --save --scheduler tcp://10.0.0.5:8786
    """
    from shipsight.detections import detect_scene, save_detections

    if with_ais and not save:
        from shipsight.errors import InputError

        raise InputError("--ais correlates the saved detections: add --save", where="detect")
    store = app.store()
    ambiguity_m = list(ambiguity_m)
    if ambiguity_from:
        from shipsight.errors import InputError
        from shipsight.imagery.ambiguity import s1_ambiguity_m
        from shipsight.scenes import get_scene

        if ambiguity_m:
            raise InputError("give --ambiguity-m or --ambiguity-from, not both", where="detect")
        if len(images) + bool(scene_id) + unsearched > 1:
            raise InputError("--ambiguity-from is one product's annotation: use it with one image", where="detect")
        image = images[0] if images else get_scene(store, scene_id)["path"] if scene_id else None
        ambiguity_m = list(s1_ambiguity_m(ambiguity_from, image=image).values())
    options = dict(band=list(band) or None, kind=kind, pfa=pfa, guard_m=guard_m, background_m=background_m,
                   min_length_m=min_length_m, max_length_m=max_length_m, land=land, use_landmask=not no_landmask,
                   units=units, offset=offset, scale=scale, polarisation=polarisation, denoise=denoise,
                   height_m=height_m, structure_radius_m=infra_radius_m, min_confidence=min_confidence,
                   ambiguity_m=ambiguity_m or None, keep_suppressed=True)
    if len(images) > 1 or unsearched:
        return _many(app, store, images, scene_id, unsearched, out, overwrite, save, with_ais, options,
                     dict(use_ports=not no_ports, use_infra=not no_infra), workers, scheduler, analyst, as_json,
                     show_suppressed)
    image = images[0] if images else None
    if out is not None:
        _check_out(out, overwrite)  # before the work, so a refused output costs nothing
    if not no_landmask:
        prepare_coast()
    started = time.perf_counter()
    with progress_bar("detecting", "tiles") as progress:
        found = detect_scene(store, image, scene_id=scene_id, use_ports=not no_ports, use_infra=not no_infra,
                             workers=workers, progress=progress, **options)
    seconds = time.perf_counter() - started
    a = found.attrs
    ships = found[found["suppressed"] == ""]
    shown = found if show_suppressed else ships
    # Review order: the most confident first.
    shown = shown.sort_values(["suppressed", "confidence"], ascending=[True, False], kind="stable")
    saved = None
    if save:
        saved = save_detections(store, ships, scene_id=found.attrs.get("scene_id"), analyst=analyst)
        if saved.registered:
            echo_err(f"registered {found.attrs['source']} as scene {saved.scene_id} (time from its tags)")
    correlated = None
    if with_ais:
        from shipsight.ais.correlate_scene import correlate_scene

        correlated = correlate_scene(store, app.archive(create=True), saved.scene_id, analyst=analyst)
    written = None
    if out is not None:
        from shipsight.io.export import write_layer

        written = write_layer(shown, out, layer="detections", overwrite=overwrite)
    # Said once the work has succeeded: a refusal stays one line.
    for note in a.get("notes", []):
        echo_err(f"note: {note}")
    for warning in a.get("warnings", []):
        echo_err(f"warning: {warning}")

    if as_json:
        echo_json({"source": found.attrs["source"], "scene_id": saved.scene_id if saved else found.attrs["scene_id"],
                   "kind": found.attrs["kind"], "kind_source": a.get("kind_source"), "input_db": found.attrs["input_db"],
                   "units": a.get("units"), "units_source": a.get("units_source"), "radiometry": a.get("radiometry"),
                   "georef": a.get("georef"), "searched_fraction": round(a.get("searched_fraction", 0.0), 4),
                   "notes": a.get("notes", []), "warnings": a.get("warnings", []),
                   "pixel_m": found.attrs["pixel_m"], "gshhg": found.attrs["gshhg"], "seconds": round(seconds, 3),
                   "out": None if written is None else str(written),
                   "saved_ids": saved.new_ids if saved else [], "already_saved": saved.already if saved else 0,
                   "ships": len(ships), "suppressed": found.attrs["suppressed"],
                   "structures_used": found.attrs["structures_used"], "axes_deg": found.attrs["axes_deg"],
                   "min_confidence": found.attrs["min_confidence"],
                   "ais": None if correlated is None else correlation_record(correlated),
                   "detections": records(shown)})
        return
    echo_table(shown, TABLE_COLUMNS + (SUPPRESSED_COLUMNS if show_suppressed else []), title="detections",
               formats=TABLE_FORMATS)
    click.echo(f"{count(len(ships), 'ship')} in {a['source']} ({a['kind']}, {a['radiometry']}"
               f"{', units ' + a['units_source'] if a.get('units_source') else ''}, "
               f"{a['pixel_m']:.1f} m pixels) in {seconds:.1f} s; "
               f"GSHHG {a['gshhg']}, {count(a['ports_used'], 'port polygon')} as harbours, "
               f"{count(a['structures_used'], 'known structure')}")
    if a["suppressed"]:
        click.echo(_suppressed_line(a["suppressed"], show_suppressed))
    if written is not None:
        click.echo(f"wrote {written}")
    if saved is not None:
        ids = saved.new_ids
        click.echo(f"saved {count(len(ids), 'candidate sighting')}{id_span(ids)} of scene {saved.scene_id}; "
                   f"{saved.already} already in the log")
    if correlated is not None:
        click.echo("AIS: " + correlation_lines([correlated])[0])


def _many(app, store, images, scene_id, unsearched, out, overwrite, save, with_ais, options, layers, workers,
          scheduler, analyst, as_json, show_suppressed):
    """Several scenes: one Dask task each, each scene saved in its own transaction; what was
    suppressed is counted per scene and, with --show-suppressed, listed and written."""
    from shipsight.detections import detect_scenes, scene_jobs, ship_count, unsearched_scenes

    if out is not None:
        _check_out(out, overwrite)
    ids = ([scene_id] if scene_id else []) + (unsearched_scenes(store) if unsearched else [])
    jobs = scene_jobs(store, images, ids)
    if not jobs:
        echo_err("no scene given" if not unsearched else
                 "no scene to search: every registered scene has been searched" if store.scene_ids() else
                 "no scene to search: none is registered; add one with 'shipsight scenes add IMAGE'")

    def report(job, found, saved):
        if not as_json:
            name = saved.scene_id if saved else (job.scene_id or job.path)
            tail = f"; saved {len(saved.new_ids)}, {saved.already} already in the log" if saved else ""
            click.echo(f"{name}: {count(ship_count(found), 'ship')}{tail}")
            if found.attrs.get("suppressed"):
                click.echo(f"  {_suppressed_line(found.attrs['suppressed'], show_suppressed)}")
            if show_suppressed:
                left_out = found[found["suppressed"] != ""]
                if len(left_out):
                    echo_table(left_out, ["row", "col", "lon", "lat", "confidence", *SUPPRESSED_COLUMNS],
                               title=f"suppressed in {name}", formats=TABLE_FORMATS)

    done = detect_scenes(store, jobs, save=save, analyst=analyst, scheduler=scheduler, workers=workers,
                         on_scene=report, **layers, **options)
    correlated = []
    if with_ais:
        from shipsight.ais.correlate_scene import correlate_scenes

        saved_ids = sorted({s.scene_id for _, _, s in done if s is not None})
        correlated = correlate_scenes(store, app.archive(create=True), saved_ids, analyst=analyst) if saved_ids else []
        for r in correlated:
            for line in r.warnings():
                echo_err(f"warning: {line}")
    written = None
    if out is not None:
        import geopandas as gpd
        import pandas as pd

        from shipsight.io.export import write_layer

        frames = [(f if show_suppressed else f[f["suppressed"] == ""]).assign(
                  scene=(s.scene_id if s else j.scene_id) or j.path) for j, f, s in done]
        merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326") if frames else None
        if merged is not None:
            written = write_layer(merged, out, layer="detections", overwrite=overwrite)
    if as_json:
        ais = {r.scene_id: correlation_record(r) for r in correlated}
        echo_json([{"source": j.path, "scene_id": s.scene_id if s else j.scene_id, "detections": ship_count(f),
                    "ships": ship_count(f), "suppressed": f.attrs.get("suppressed", {}),
                    "structures_used": f.attrs.get("structures_used", 0),
                    "saved_ids": s.new_ids if s else [], "already_saved": s.already if s else 0,
                    "ais": ais.get(s.scene_id) if s else None,
                    **({"suppressed_detections": records(f[f["suppressed"] != ""])} if show_suppressed else {})}
                   for j, f, s in done])
        return
    total = sum(ship_count(f) for _, f, _ in done)
    click.echo(f"{count(total, 'ship')} in {count(len(done), 'scene')}")
    if written is not None:
        click.echo(f"wrote {written}")
    for line in correlation_lines(correlated):
        click.echo("AIS: " + line)


def _suppressed_line(counts, listed):
    """``suppressed 19 (not ships): 10 land, 6 line, 3 shape`` from the detector's counts by reason."""
    text = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(counts.items()))
    return f"suppressed {sum(counts.values())} (not ships): {text}" + ("" if listed else "; --show-suppressed lists them")


def _check_out(out, overwrite):
    from pathlib import Path

    from shipsight.errors import InputError
    from shipsight.io.export import format_for

    format_for(out)  # an unknown extension is refused with the list of formats
    if Path(out).exists() and not overwrite:
        raise InputError("exists; pass --overwrite to replace it", where=str(out))
