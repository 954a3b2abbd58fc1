"""``shipsight chip``: an evidence chip of a sighting, cut from its scene."""

import click

from shipsight.cli.options import json_option, overwrite_option
from shipsight.cli.output import echo_json


@click.command()
@click.argument("sighting_id", type=int)
@click.argument("out_png", type=click.Path(dir_okay=False))
@click.option("--size-m", type=float, default=1000, show_default=True, help="Ground metres across the chip.")
@click.option("--geotiff", is_flag=True, help="Also write the georeferenced crop (original values) as OUT.tif.")
@click.option("--scene", "scene_id", help="Scene to cut from (default: the scene the sighting was logged from).")
@click.option("--px", "out_px", type=int, default=640, show_default=True, help="Width of the PNG in pixels.")
@click.option("--scale", type=click.Choice(["auto", "db", "linear"]), default="auto", show_default=True,
              help="SAR values: auto takes data with negative values as dB, else linear power (shown in dB).")
@overwrite_option
@json_option
@click.pass_obj
def chip(app, sighting_id, out_png, size_m, geotiff, scene_id, out_px, scale, overwrite, as_json):
    """Write an evidence chip (PNG) of a sighting, cut from its scene.

    Only a window around the sighting is read. The chip is contrast-stretched
    (2-98 percentiles; SAR shown in dB), marks the sighting, has a scale bar
    in metres and a caption: scene id, sensor, time, lat/lon, pixel, GSD,
    the file's sha256, vessel name/IMO/MMSI, and the sighting's time,
    confidence and analyst. A scene file changed since it was registered is
    refused: the chip must show the registered image.

    \b
    Example:
      shipsight chip 12 chip_12.png --size-m 800
      shipsight chip 12 chip_12.png --geotiff            # also chip_12.tif
    """
    from shipsight.scenes import cut_chip

    out = cut_chip(app.store(create=False), sighting_id, out_png, size_m=size_m, geotiff=geotiff,
                   scene_id=scene_id, overwrite=overwrite, out_px=out_px, scale=scale)
    res = out.chip
    if as_json:
        echo_json({"sighting_id": out.sighting_id, "scene_id": out.scene_id, "png": res.png, "geotiff": res.geotiff,
                   "width": res.width, "height": res.height, "size_m": res.size_m, "gsd_m": res.gsd_m,
                   "scale_bar_m": res.scale_bar_m, "window": list(res.window), "pixel": list(res.pixel),
                   "caption": list(res.caption), "sha256": res.sha256})
        return
    also = f" and {res.geotiff}" if res.geotiff else ""
    click.echo(f"wrote {res.png}{also}: sighting {out.sighting_id} from scene {out.scene_id}, "
               f"{res.size_m:,.0f} m across, {res.width} x {res.height} px")
