"""Evidence chips: a small, captioned, north-up picture of a sighting.

:func:`render_chip` reads only the window around the point (padding with
"no data" where the window runs off the image), stretches it for display,
marks the sighting, draws a scale bar and writes a caption strip with the
facts an analyst pastes into a report. It can also write the georeferenced
crop (original values, all bands) as a GeoTIFF.

PNG layout (predictable)
------------------------
- width = ``out_px`` (default 640);
- height = ``out_px`` + caption strip; the strip is
  ``2 * 8 + n_lines * line_height`` pixels, ``line_height = round(1.4 * font_px)``
  (20 px at the default 14 px font), where ``n_lines`` counts the caption lines
  after wrapping to the width (:attr:`ChipResult.caption` holds them, and
  :attr:`ChipResult.width`/``height`` the size written).
- The image area shows ``size_m`` x ``size_m`` metres of ground (square in
  ground metres whatever the CRS, e.g. EPSG:4326 at high latitude), each
  source pixel enlarged with nearest-neighbour so pixels stay visible; no
  smoothing is added to the evidence.

Display
-------
- Optical (integer types, or float with 3+ bands): bands 1-3 as RGB (or the
  bands whose colour interpretation says red/green/blue), or band 1 as grey;
  one 2-98 percentile stretch over the chip's valid pixels and all shown
  bands (one stretch keeps colours true).
- SAR (float or complex, 1 or 2 bands): band 1 as grey. ``scale="auto"``
  takes data with any negative value as dB already, otherwise as linear power
  and converts it to dB (``10 log10``) for display; complex samples are shown
  as power ``|z|^2`` in dB; then the same percentile stretch.
- Nodata and off-image pixels are dark grey (40, 40, 40).
- The marker is a red ring (radius 6 % of ``out_px``) with four ticks, open at
  the centre so the ship itself stays visible.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shipsight.errors import InputError
from shipsight.digest import sha256_file
from shipsight.imagery.scene import _tags, acquisition_from_tags, sensor_from_tags
from shipsight.model import check_lonlat

__all__ = ["ChipResult", "render_chip", "MARKER_RGB"]

#: Colour of the sighting marker.
MARKER_RGB = (255, 0, 0)
_NODATA_RGB = (40, 40, 40)
_MAX_CHIP_PX = 4096  # source pixels per side: keeps memory flat on very fine imagery
_PAD = 8


@dataclass(frozen=True)
class ChipResult:
    """What :func:`render_chip` wrote.

    Attributes
    ----------
    png : str
        Path of the PNG.
    geotiff : str or None
        Path of the georeferenced crop, when asked for.
    width, height : int
        PNG size in pixels.
    window : tuple of 4 int
        Source window ``(row_off, col_off, height, width)`` (may run off the image).
    pixel : tuple of 2 float
        Continuous ``(row, col)`` of the sighting in the source image.
    marker_xy : tuple of 2 float
        ``(x, y)`` of the marker centre in the PNG.
    gsd_m : float
        Ground size of a source pixel at the point (mean of x and y).
    size_m : float
        Ground metres across the image area.
    scale_bar_m : float
        Length the scale bar stands for.
    caption : tuple of str
        The caption lines as drawn (after wrapping).
    sha256 : str or None
        SHA-256 of the scene file, when it was computed or given.
    """

    png: str
    geotiff: str | None
    width: int
    height: int
    window: tuple
    pixel: tuple
    marker_xy: tuple
    gsd_m: float
    size_m: float
    scale_bar_m: float
    caption: tuple
    sha256: str | None


def _font(size):
    """DejaVu Sans when present (wide Unicode coverage for vessel names), else Pillow's own."""
    from PIL import ImageFont

    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        import matplotlib

        return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"), size)
    except (ImportError, OSError):
        return ImageFont.load_default(size=size)


def nice_length(max_m):
    """The largest 1-2-5 round length not above ``max_m`` metres.

    >>> nice_length(260), nice_length(1000), nice_length(0.7)
    (200.0, 1000.0, 0.5)
    """
    exp = math.floor(math.log10(max_m))
    for m in (5.0, 2.0, 1.0):
        if m * 10.0**exp <= max_m:
            return m * 10.0**exp
    return 10.0**exp  # pragma: no cover - the loop always returns


def _label_m(metres):
    if metres >= 1000:
        km = metres / 1000
        return f"{km:g} km"
    return f"{metres:g} m"


def _stretch(values, valid, *, low=2.0, high=98.0):
    """Percentile stretch of ``values`` to 0..255 using valid pixels only."""
    if not valid.any():
        return np.zeros(values.shape, dtype=np.uint8)
    vals = values[..., valid] if values.ndim == 3 else values[valid]
    lo, hi = np.percentile(vals, [low, high])
    if not hi > lo:
        hi = lo + 1.0
    out = (values.astype(np.float64) - lo) / (hi - lo)
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _display_bands(ds, *, sar):
    """Band indexes to show: (1,) for grey, three for RGB."""
    from rasterio.enums import ColorInterp

    if sar or ds.count < 3:
        return (1,)
    ci = list(ds.colorinterp)
    want = (ColorInterp.red, ColorInterp.green, ColorInterp.blue)
    if all(c in ci for c in want):
        return tuple(ci.index(c) + 1 for c in want)
    return (1, 2, 3)


def _to_rgb(data, valid, *, sar, scale, bands):
    """(bands, rows, cols) masked values -> ((rows, cols, 3) uint8, how it was displayed)."""
    filled = data.filled(0)
    if np.iscomplexobj(filled):
        # Complex (SLC) samples: show power, |z|^2, in dB.
        values, scale = np.abs(filled).astype(np.float64) ** 2, "linear"
    else:
        values = np.asarray(filled, dtype=np.float64)
    if sar:
        values = values[0]
        if scale == "auto":
            scale = "db" if (values[valid] < 0).any() else "linear"
        if scale == "linear":
            positive = valid & (values > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(positive, 10.0 * np.log10(np.where(positive, values, 1.0)), 0.0)
            valid = positive
        grey = _stretch(values, valid)
        rgb = np.repeat(grey[..., None], 3, axis=2)
        how = f"SAR band {bands[0]}, {'linear power shown in dB' if scale == 'linear' else 'dB'}"
    elif values.shape[0] == 1:
        grey = _stretch(values[0], valid)
        rgb = np.repeat(grey[..., None], 3, axis=2)
        how = f"band {bands[0]} grey"
    else:
        rgb = np.moveaxis(_stretch(values, valid), 0, -1)
        how = "bands {} as RGB".format("/".join(str(b) for b in bands))
    rgb[~valid] = _NODATA_RGB
    return rgb, f"{how}, 2-98 % stretch"


def _caption_lines(scene_id, sensor, acquired, lon, lat, row, col, gsd, size_m, sha, extra, display):
    when = acquired.strftime("%Y-%m-%d %H:%M:%S UTC") if acquired else "acquisition time unknown"
    lines = [
        f"Scene {scene_id}  |  {sensor or 'sensor unknown'}  |  {when}",
        f"Sighting {lat:.6f}, {lon:.6f} (lat, lon, WGS 84)  |  pixel row {math.floor(row)}, col {math.floor(col)}",
        f"Chip {size_m:,.0f} m across  |  GSD {gsd:.1f} m  |  display: {display}",
    ]
    if sha:
        lines.append(f"sha256 {sha}")
    lines.extend(str(x) for x in extra)
    return lines


def _fill(pieces, sep, font, width, overflow):
    """Greedy fill: ``pieces`` joined by ``sep`` into lines no wider than ``width``.

    A piece that does not fit after the line so far starts a new line; if it
    does not fit there either, ``overflow(piece)`` gives its lines, the last of
    which stays open for the next piece.
    """
    out, current = [], ""
    for piece in pieces:
        trial = f"{current}{sep}{piece}" if current else piece
        if font.getlength(trial) <= width:
            current = trial
            continue
        if current:
            out.append(current)
        *full, current = overflow(piece)
        out.extend(full)
    out.append(current)
    return out


def _break_word(word, font, width):
    """A word too long for a line, cut into pieces that fit (the last may be short)."""
    out = []
    while font.getlength(word) > width:
        cut = len(word)
        while cut > 1 and font.getlength(word[:cut]) > width:
            cut -= 1
        out.append(word[:cut])
        word = word[cut:]
    return out + [word]


def _wrap_words(text, font, width):
    """Greedy word wrap measured with the font; words longer than a line are broken."""
    return _fill(text.split(), " ", font, width, lambda word: _break_word(word, font, width))


def _wrap(lines, font, width, *, sep="  |  "):
    """Wrap caption lines to a pixel width, breaking first between ``sep`` fields."""
    return [wrapped for line in lines
            for wrapped in _fill(str(line).split(sep), sep, font, width, lambda seg: _wrap_words(seg, font, width))]


def _draw_marker(draw, x, y, r, width):
    tick = r * 0.6
    # A black halo under the red keeps the marker visible on red or bright ground.
    for colour, w in (((0, 0, 0), width + 2), (MARKER_RGB, width)):
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=w)
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            draw.line((x + dx * r, y + dy * r, x + dx * (r + tick), y + dy * (r + tick)), fill=colour, width=w)


def _draw_scale_bar(draw, font, out_px, metres_per_px, bar_m):
    length = bar_m / metres_per_px
    x0, y0 = 16, out_px - 20
    label = _label_m(bar_m)
    tw = font.getlength(label)
    # A dark backing box so the bar reads on bright and dark scenes alike.
    draw.rectangle((x0 - 8, y0 - 30, x0 + max(length, tw) + 8, y0 + 10), fill=(0, 0, 0))
    draw.rectangle((x0, y0 - 3, x0 + length, y0 + 3), fill=(255, 255, 255))
    for xt in (x0, x0 + length):
        draw.line((xt, y0 - 8, xt, y0 + 6), fill=(255, 255, 255), width=2)
    draw.text((x0 + (length - tw) / 2, y0 - 28), label, fill=(255, 255, 255), font=font)


def _field(scene, name):
    if scene is None:
        return None
    if isinstance(scene, dict):
        return scene.get(name)
    return getattr(scene, name, None)


def render_chip(
    path,
    lon,
    lat,
    out_png,
    *,
    size_m=1000,
    caption_lines=(),
    geotiff=None,
    expected_sha256=None,
    scene=None,
    out_px=640,
    font_px=14,
    scale="auto",
):
    """Render an evidence chip around a sighting.

    Parameters
    ----------
    path : str or Path
        The scene file.
    lon, lat : float
        The sighting, degrees WGS 84.
    out_png : str or Path
        Where to write the PNG (parent folders must exist).
    size_m : float, keyword-only
        Ground metres across the chip (default 1000).
    caption_lines : sequence of str, keyword-only
        Extra caption lines: vessel identity, analyst, attribution.
    geotiff : str or Path, optional, keyword-only
        Also write the georeferenced crop here: original values, all bands,
        the part of the window that lies on the image, source tags kept and
        ``SHIPSIGHT_*`` tags added (source file, its sha256 when known, point).
    expected_sha256 : str, optional, keyword-only
        The hash recorded when the scene was registered; a different file
        raises :class:`InputError` before anything is drawn.
    scene : SceneInfo or dict, optional, keyword-only
        Registered scene facts for the caption (id, sensor, acquired, sha256);
        without it the caption uses the file name and the file's tags.
    out_px : int, keyword-only
        Width of the PNG and side of its image area (64..4096).
    font_px : int, keyword-only
        Caption font size.
    scale : {"auto", "db", "linear"}, keyword-only
        How float single-band (SAR) data is scaled; see the module docstring.

    Returns
    -------
    ChipResult

    Raises
    ------
    InputError
        The file changed since registration, the point lies outside the
        image, a bad size or option, or a bad raster.

    Examples
    --------
    >>> res = render_chip("scene.tif", 129.78, 42.26, "chip.png",
    ...                   caption_lines=["IMO 9154050 CHON MA SAN (probable)"])  # doctest: +SKIP
    >>> res.width, res.height                                                    # doctest: +SKIP
    (640, 742)
    """
    from PIL import Image, ImageDraw
    from rasterio.windows import Window

    path = Path(path).resolve()
    where = str(path)
    lon, lat = check_lonlat(lon, lat)
    if scale not in ("auto", "db", "linear"):
        raise InputError(f"scale must be 'auto', 'db' or 'linear', not {scale!r}")
    try:
        size_m = float(size_m)
    except (TypeError, ValueError):
        raise InputError(f"chip size {size_m!r} is not a number of metres") from None
    if not (math.isfinite(size_m) and size_m > 0):
        raise InputError(f"chip size must be a positive number of metres, not {size_m}")
    out_px = int(out_px)
    if not 64 <= out_px <= 4096:
        raise InputError(f"out_px must be between 64 and 4096, not {out_px}")

    for target in (out_png, geotiff):
        if target is not None and not Path(target).parent.is_dir():
            raise InputError("cannot write the chip: its folder does not exist; create it first", where=str(target))

    sha = None
    if expected_sha256 is not None:
        sha = sha256_file(path)
        if sha.lower() != str(expected_sha256).strip().lower():
            raise InputError(
                f"the scene file changed since it was registered (sha256 {sha[:12]}... is not the "
                f"registered {str(expected_sha256)[:12]}...); restore the original file or register it again",
                where=where,
            )
    sha = sha or _field(scene, "sha256")

    from shipsight.imagery.products import open_dataset, open_product, reopen

    product = reopen(path, _field(scene, "product")) if _field(scene, "product") else open_product(path)
    with open_dataset(product.raster) as ds:
        georef = product.georef(ds)
        row_f, col_f = georef.pixel(lon, lat)
        if not (np.isfinite(row_f) and 0 <= row_f < ds.height and 0 <= col_f < ds.width):
            raise InputError(
                f"position {lat:.6f}, {lon:.6f} (lat, lon) is outside the image "
                f"({ds.height} rows x {ds.width} cols); is it the right scene?",
                where=where,
            )
        j = georef.jacobian(row_f, col_f)
        gx, gy = float(np.hypot(j[0, 0], j[1, 0])), float(np.hypot(j[0, 1], j[1, 1]))
        ncols = max(4, int(round(size_m / gx)))
        nrows = max(4, int(round(size_m / gy)))
        if max(ncols, nrows) > _MAX_CHIP_PX:
            raise InputError(
                f"a {size_m:g} m chip is {max(ncols, nrows)} source pixels across at this resolution "
                f"(at most {_MAX_CHIP_PX}); ask for a smaller size_m"
            )
        sar = (product.kind == "sar" or ds.dtypes[0].startswith(("float", "complex"))) and ds.count < 3
        bands = _display_bands(ds, sar=sar)
        north_up = georef.is_north_up()
        if north_up:
            col0 = int(math.floor(col_f - ncols / 2.0))
            row0 = int(math.floor(row_f - nrows / 2.0))
            # The part of the window on the image: read just that, pad the rest.
            r0, r1 = max(row0, 0), min(row0 + nrows, ds.height)
            c0, c1 = max(col0, 0), min(col0 + ncols, ds.width)
            inner = Window(c0, r0, c1 - c0, r1 - r0)
            part = ds.read(bands, window=inner, masked=True)
            data = np.ma.masked_all((len(bands), nrows, ncols), dtype=part.dtype)
            data[:, r0 - row0 : r1 - row0, c0 - col0 : c1 - col0] = part
            mx = (col_f - col0) / ncols * out_px
            my = (row_f - row0) / nrows * out_px
            across_m = ncols * gx
            window = (row0, col0, nrows, ncols)
        else:
            # Rotated or radar geometry: resample, nearest neighbour, onto a north-up grid of
            # square ground cells of the source's finer pixel size, centred on the sighting.
            n = max(4, int(round(size_m / min(gx, gy))))
            rows_s, cols_s = _north_up_sources(georef, lon, lat, n, size_m / n)
            ok = np.isfinite(rows_s) & np.isfinite(cols_s)
            ri = np.where(ok, np.floor(rows_s), -1).astype(np.int64)
            ci = np.where(ok, np.floor(cols_s), -1).astype(np.int64)
            ok &= (ri >= 0) & (ri < ds.height) & (ci >= 0) & (ci < ds.width)
            if ok.any():
                r0, r1 = int(ri[ok].min()), int(ri[ok].max()) + 1
                c0, c1 = int(ci[ok].min()), int(ci[ok].max()) + 1
            else:  # pragma: no cover - the centre is on the image (checked above)
                r0, r1, c0, c1 = int(row_f), int(row_f) + 1, int(col_f), int(col_f) + 1
            inner = Window(c0, r0, c1 - c0, r1 - r0)
            part = ds.read(bands, window=inner, masked=True)
            data = np.ma.masked_all((len(bands), n, n), dtype=part.dtype)
            data[:, ok] = part[:, ri[ok] - r0, ci[ok] - c0]
            mx = my = out_px / 2.0
            across_m = size_m
            window = (r0, c0, r1 - r0, c1 - c0)
        valid = ~np.ma.getmaskarray(data).any(axis=0)
        if np.issubdtype(part.dtype, np.floating):
            valid &= np.isfinite(data.filled(0)).all(axis=0)
        if product.fill is not None and ds.nodatavals[bands[0] - 1] is None:
            fill = data.filled(0)[0]
            valid &= ~(np.isnan(fill) if product.fill != product.fill else fill == product.fill)
        north = 0.0 if not north_up else georef.north_angle(row_f, col_f)

        tags = _tags(ds)
        if geotiff is not None:
            _write_crop(ds, inner, geotiff, tags=ds.tags(), sha=sha, lon=lon, lat=lat, source=where,
                        fill=product.fill)

    scene_id = _field(scene, "id") or path.stem
    sensor = _field(scene, "sensor") or sensor_from_tags(tags)
    acquired = _field(scene, "acquired")
    if isinstance(acquired, str):
        from shipsight.model import parse_time

        acquired = parse_time(acquired)
    if acquired is None:
        acquired, _ = acquisition_from_tags(tags)

    rgb, display = _to_rgb(data, valid, sar=sar, scale=scale, bands=bands)
    if not north_up:
        display += f", resampled north-up from {georef.describe()}"
    image = Image.fromarray(rgb, mode="RGB").resize((out_px, out_px), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(image)
    _draw_marker(draw, mx, my, r=0.06 * out_px, width=max(2, out_px // 256))
    metres_per_px = across_m / out_px
    bar_m = nice_length(0.3 * out_px * metres_per_px)
    font = _font(int(font_px))
    _draw_scale_bar(draw, font, out_px, metres_per_px, bar_m)
    _draw_north_arrow(draw, font, out_px, north)

    lines = _caption_lines(
        scene_id, sensor, acquired, lon, lat, row_f, col_f, (gx + gy) / 2.0, across_m, sha, caption_lines, display
    )
    lines = _wrap(lines, font, out_px - 2 * _PAD)
    line_h = int(round(1.4 * font_px))
    strip_h = 2 * _PAD + len(lines) * line_h
    canvas = Image.new("RGB", (out_px, out_px + strip_h), (255, 255, 255))
    canvas.paste(image, (0, 0))
    cdraw = ImageDraw.Draw(canvas)
    for i, line in enumerate(lines):
        cdraw.text((_PAD, out_px + _PAD + i * line_h), line, fill=(0, 0, 0), font=font)
    out_png = Path(out_png)
    try:
        canvas.save(out_png, format="PNG")
    except (FileNotFoundError, PermissionError) as exc:
        raise InputError(f"cannot write the chip ({exc.strerror}); check the folder exists", where=str(out_png)) from None

    return ChipResult(
        png=str(out_png),
        geotiff=None if geotiff is None else str(geotiff),
        width=canvas.width,
        height=canvas.height,
        window=window,
        pixel=(float(row_f), float(col_f)),
        marker_xy=(float(mx), float(my)),
        gsd_m=float((gx + gy) / 2.0),
        size_m=float(across_m),
        scale_bar_m=float(bar_m),
        caption=tuple(lines),
        sha256=sha,
    )


def _north_up_sources(georef, lon, lat, n, cell_m, *, step=16):
    """Source (row, col) of the centres of an ``n x n`` north-up grid of ``cell_m`` ground cells around a point.

    Exact (local azimuthal equidistant projection, then the georef's
    inverse) every ``step`` cells and bilinear between.
    """
    from pyproj import Transformer
    from scipy import ndimage

    aeqd = Transformer.from_crs(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84", "EPSG:4326", always_xy=True)
    idx = np.unique(np.r_[np.arange(0, n, step), n - 1]).astype(float)
    e = (idx + 0.5 - n / 2.0) * cell_m
    north = (n / 2.0 - idx - 0.5) * cell_m
    ee, nn = np.meshgrid(e, north)
    glon, glat = aeqd.transform(ee, nn)
    rows, cols = georef.pixel(np.asarray(glon), np.asarray(glat))
    f = np.interp(np.arange(n), idx, np.arange(idx.size))
    gr, gc = np.meshgrid(f, f, indexing="ij")
    out_r = ndimage.map_coordinates(np.asarray(rows), [gr, gc], order=1, mode="nearest", cval=np.nan)
    out_c = ndimage.map_coordinates(np.asarray(cols), [gr, gc], order=1, mode="nearest", cval=np.nan)
    return out_r, out_c


def _draw_north_arrow(draw, font, out_px, angle_deg):
    """An arrow labelled N in the top-right corner, pointing to true north (``angle_deg`` clockwise from up)."""
    r = 0.045 * out_px
    cx, cy = out_px - 1.6 * r - 8, 1.6 * r + 22
    a = math.radians(angle_deg)
    ux, uy = math.sin(a), -math.cos(a)  # unit vector to north in image coordinates (y down)
    px, py = -uy, ux
    tip = (cx + ux * r, cy + uy * r)
    tail = (cx - ux * r, cy - uy * r)
    left = (cx - ux * 0.2 * r + px * 0.45 * r, cy - uy * 0.2 * r + py * 0.45 * r)
    right = (cx - ux * 0.2 * r - px * 0.45 * r, cy - uy * 0.2 * r - py * 0.45 * r)
    draw.rectangle((cx - 1.5 * r, cy - 1.5 * r - 18, cx + 1.5 * r, cy + 1.5 * r), fill=(0, 0, 0))
    draw.line((tail, tip), fill=(255, 255, 255), width=max(2, out_px // 200))
    draw.polygon((tip, left, right), fill=(255, 255, 255))
    label = "N"
    draw.text((cx + ux * 1.25 * r - font.getlength(label) / 2, cy + uy * 1.25 * r - 9), label,
              fill=(255, 255, 255), font=font)


def _write_crop(ds, window, out, *, tags, sha, lon, lat, source, fill=None):
    """The on-image part of the window, original values and all bands, as a GeoTIFF.

    Keeps the source's validity: its nodata value, or its internal mask,
    or (for fill the source does not declare) the fill as nodata; keeps
    its georeferencing, GCPs and RPCs shifted to the crop.
    """
    import rasterio
    from rasterio.control import GroundControlPoint
    from rasterio.enums import MaskFlags

    profile = {
        "driver": "GTiff",
        "width": int(window.width),
        "height": int(window.height),
        "count": ds.count,
        "dtype": ds.dtypes[0],
        "nodata": ds.nodata if ds.nodata is not None else fill,
        "compress": "deflate",
    }
    if ds.crs is not None and not ds.transform.is_identity:
        profile.update(crs=ds.crs, transform=ds.window_transform(window))
    r0, c0 = float(window.row_off), float(window.col_off)
    flags = ds.mask_flag_enums[0]
    own_mask = MaskFlags.per_dataset in flags and MaskFlags.alpha not in flags
    extra = {
        "SHIPSIGHT_SOURCE": source,
        "SHIPSIGHT_POINT_LONLAT": f"{lon:.7f} {lat:.7f}",
    }
    if sha:
        extra["SHIPSIGHT_SOURCE_SHA256"] = sha
    # Read before creating the file: a damaged source leaves no half-written crop behind.
    pixels = ds.read(window=window)
    mask = ds.dataset_mask(window=window) if own_mask else None
    try:
        with rasterio.open(out, "w", **profile) as dst:
            dst.write(pixels)
            gcps, gcp_crs = ds.gcps
            if gcps and "transform" not in profile:
                dst.gcps = ([GroundControlPoint(row=g.row - r0, col=g.col - c0, x=g.x, y=g.y, z=g.z) for g in gcps],
                            gcp_crs)
            elif ds.rpcs is not None and "transform" not in profile:
                rpcs = ds.rpcs.to_gdal()
                rpcs["LINE_OFF"] = float(rpcs["LINE_OFF"]) - r0
                rpcs["SAMP_OFF"] = float(rpcs["SAMP_OFF"]) - c0
                dst.rpcs = rasterio.rpc.RPC.from_gdal(rpcs)
            if mask is not None:
                dst.write_mask(mask)
            dst.update_tags(**{k: v for k, v in tags.items() if not k.startswith("TIFFTAG_") or k == "TIFFTAG_DATETIME"})
            dst.update_tags(**extra)
            dst.colorinterp = ds.colorinterp
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"cannot write the crop ({exc}); check the folder exists", where=str(out)) from None
