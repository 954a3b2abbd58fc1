"""Sentinel-1 Level-1 GRD: the SAFE folder or zip, or a measurement TIFF with its GCPs.

What is read, from the product itself (ESA, *Sentinel-1 Product
Specification* S1-RS-MDA-52-7441, and the ESA technical note *Radiometric
Calibration of S-1 Level-1 Products*):

- the measurement TIFF of the chosen polarisation (``--polarisation``,
  VV where present): uint16 **amplitude** digital numbers in radar (ground
  range) geometry, georeferenced by ground control points only;
- ``annotation/*.xml``: mission, pass, first/last line times (the
  acquisition start and stop), image size, and the geolocation grid (the
  footprint, and the GCPs when the TIFF carries none);
- ``annotation/calibration/calibration-*.xml``: the ``sigmaNought`` LUT A
  on a grid of lines and pixels, so that ``sigma0 = DN^2 / A^2`` with A
  interpolated bilinearly;
- ``annotation/calibration/noise-*.xml``: the thermal noise LUT (range
  vectors, times the azimuth vectors of IPF 2.9 and later), in DN^2,
  subtracted before calibration when asked (negative results set to 0).

A measurement TIFF given on its own inside a SAFE folder is read with that
folder's annotation; one without annotation (or a SAFE holding only the
measurement) is georeferenced by its GCPs and taken as amplitude DN,
uncalibrated, and the product says so.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shipsight.errors import InputError

__all__ = ["Lut", "NoiseLut", "read_sentinel1", "parse_calibration", "parse_noise", "parse_annotation"]

_NAME_TIMES = re.compile(r"_(\d{8}T\d{6})_(\d{8}T\d{6})_")
_POLS = ("vv", "hh", "vh", "hv")


def _floats(text):
    return np.array(text.split(), dtype=np.float64) if text and text.strip() else np.empty(0)


def _interp_weights(x, grid):
    """Indices and weights to interpolate linearly on ``grid`` at ``x``, clamped at the ends."""
    if grid.size == 1:
        z = np.zeros(x.size, dtype=np.int64)
        return z, z, np.zeros(x.size)
    i = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
    t = np.clip((x - grid[i]) / (grid[i + 1] - grid[i]), 0.0, 1.0)
    return i, i + 1, t


@dataclass(frozen=True)
class Lut:
    """Values on a grid of image lines x pixels, interpolated bilinearly (clamped at the edges).

    >>> lut = Lut(np.array([0.0, 10.0]), np.array([0.0, 10.0]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lut.at(np.array([5.0]), np.array([0.0, 5.0, 20.0])).tolist()
    [[2.0, 2.5, 3.0]]
    """

    lines: np.ndarray
    pixels: np.ndarray  # (n,) shared by every line, or (len(lines), n): each vector its own
    values: np.ndarray  # (len(lines), n)

    def columns(self, cols):
        """Every LUT line interpolated at pixel-index ``cols``: float32, ``(len(lines), len(cols))``."""
        cols = np.asarray(cols, dtype=np.float64)
        if self.pixels.ndim == 1:
            c0, c1, tc = _interp_weights(cols, self.pixels)
            along = self.values[:, c0] * (1.0 - tc) + self.values[:, c1] * tc
        else:
            along = np.vstack([np.interp(cols, p, v) for p, v in zip(self.pixels, self.values)])
        return along.astype(np.float32)

    def at(self, rows, cols, *, along=None, out=None):
        """float32 values at pixel-index rows x cols (a 2-D grid).

        ``along``: :meth:`columns` at ``cols``, when already computed (a
        window's chunks of rows share it); ``out``: a float32
        ``(len(rows), len(cols))`` array to write into. Between two LUT
        lines the value is ``v0 + t (v1 - v0)``: for the rows of one
        interval that is one outer product and one add over the chunk,
        never a per-pixel gather.
        """
        rows = np.asarray(rows, dtype=np.float64)
        if along is None:
            along = self.columns(cols)
        if out is None:
            out = np.empty((rows.size, along.shape[1]), dtype=np.float32)
        r0, r1, tr = _interp_weights(rows, self.lines)
        tr = tr.astype(np.float32)
        # Rows come sorted in practice (a window's lines), so each interval is one run of rows.
        starts = np.flatnonzero(np.r_[True, r0[1:] != r0[:-1]])
        for a, b in zip(starts, np.r_[starts[1:], rows.size]):
            lo, hi = along[r0[a]], along[r1[a]]
            np.multiply.outer(tr[a:b], hi - lo, out=out[a:b])
            out[a:b] += lo
        return out


@dataclass(frozen=True)
class NoiseLut:
    """Thermal noise power (DN^2): a range LUT times azimuth LUT blocks (IPF 2.9+), else the range LUT alone."""

    range_lut: Lut
    azimuth: tuple = ()  # (first_line, last_line, first_pixel, last_pixel, lines, values) per block

    def at(self, rows, cols):
        rows = np.asarray(rows, dtype=np.float64)
        cols = np.asarray(cols, dtype=np.float64)
        out = self.range_lut.at(rows, cols)
        for l0, l1, p0, p1, lines, values in self.azimuth:
            rsel = (rows >= l0) & (rows <= l1)
            csel = (cols >= p0) & (cols <= p1)
            if not rsel.any() or not csel.any():
                continue
            az = np.interp(rows[rsel], lines, values).astype(np.float32)
            out[np.ix_(rsel, csel)] *= az[:, None]
        return out


def _vectors(root, list_tag, vec_tag, value_tags):
    lines, pixels, values = [], [], []
    for v in root.iter(vec_tag):
        val = None
        for tag in value_tags:
            el = v.find(tag)
            if el is not None:
                val = _floats(el.text)
                break
        if val is None:
            continue
        lines.append(float(v.findtext("line")))
        pixels.append(_floats(v.findtext("pixel")))
        values.append(val)
    if not lines:
        return None
    order = np.argsort(lines)
    lines = np.asarray(lines)[order]
    pixels = [pixels[i] for i in order]
    values = [values[i] for i in order]
    if all(p.size == pixels[0].size and np.array_equal(p, pixels[0]) for p in pixels):
        return Lut(lines, pixels[0], np.vstack(values))
    # Vectors on pixels of their own (the LUT's definition: linear along each vector, then between
    # lines); ragged ones padded with their last node, which changes nothing under linear interpolation.
    n = max(p.size for p in pixels)
    pad = [np.pad(a, (0, n - a.size), mode="edge") for a in pixels]
    vpad = [np.pad(a, (0, n - a.size), mode="edge") for a in values]
    return Lut(lines, np.vstack(pad), np.vstack(vpad))


def parse_calibration(xml_bytes, *, what="sigmaNought"):
    """The calibration LUT (``sigmaNought`` by default) of a ``calibration-*.xml`` file.

    Raises :class:`InputError` when the file holds no such vectors.
    """
    root = ET.fromstring(xml_bytes)
    lut = _vectors(root, "calibrationVectorList", "calibrationVector", (what,))
    if lut is None:
        raise InputError(f"the calibration file holds no {what} vectors")
    return lut


def parse_noise(xml_bytes):
    """The thermal noise LUT of a ``noise-*.xml`` file (range, and azimuth blocks when present), or None."""
    root = ET.fromstring(xml_bytes)
    rng = _vectors(root, "noiseRangeVectorList", "noiseRangeVector", ("noiseRangeLut",))
    if rng is None:  # IPF before 2.9: one kind of vector
        rng = _vectors(root, "noiseVectorList", "noiseVector", ("noiseLut",))
    if rng is None:
        return None
    blocks = []
    for v in root.iter("noiseAzimuthVector"):
        lines = _floats(v.findtext("line"))
        values = _floats(v.findtext("noiseAzimuthLut"))
        if lines.size == 0 or lines.size != values.size:
            continue
        blocks.append((float(v.findtext("firstAzimuthLine", "0")), float(v.findtext("lastAzimuthLine", "1e9")),
                       float(v.findtext("firstRangeSample", "0")), float(v.findtext("lastRangeSample", "1e9")),
                       lines, values))
    return NoiseLut(rng, tuple(blocks))


def parse_annotation(xml_bytes):
    """Facts of a product annotation file: times, mission, pass, size, geolocation grid.

    Returns
    -------
    dict
        ``mission`` (S1A...), ``polarisation``, ``start``, ``stop`` (aware
        UTC), ``pass`` (``Ascending``/``Descending``), ``heading`` (the
        platform heading, degrees clockwise from north, as text),
        ``incidence`` (the geolocation grid's incidence angles, degrees),
        ``lines``, ``samples``, ``grid``: an array of ``(line, pixel, lon,
        lat, height)`` rows.
    """
    from shipsight.imagery.scene import parse_tag_time

    root = ET.fromstring(xml_bytes)
    grid = np.array([[float(p.findtext(k)) for k in ("line", "pixel", "longitude", "latitude", "height")]
                     for p in root.iter("geolocationGridPoint")])
    return {
        "mission": root.findtext("adsHeader/missionId"),
        "product_type": root.findtext("adsHeader/productType"),
        "polarisation": root.findtext("adsHeader/polarisation"),
        "start": parse_tag_time(root.findtext("adsHeader/startTime") or ""),
        "stop": parse_tag_time(root.findtext("adsHeader/stopTime") or ""),
        **_orbit_fields(root),
        "lines": int(root.findtext("imageAnnotation/imageInformation/numberOfLines") or 0),
        "samples": int(root.findtext("imageAnnotation/imageInformation/numberOfSamples") or 0),
        "grid": grid,
    }


def _orbit_fields(root):
    return {
        "pass": root.findtext("generalAnnotation/productInformation/pass"),
        "heading": root.findtext("generalAnnotation/productInformation/platformHeading"),
        "incidence": [float(t) for t in (p.findtext("incidenceAngle") for p in root.iter("geolocationGridPoint"))
                      if t],
    }


def orbit_from_xml(xml_bytes):
    """:func:`orbit_facts` of an annotation file's bytes (only its ``productInformation`` and incidence angles).

    Examples
    --------
    >>> orbit_from_xml(b"<product><generalAnnotation><productInformation><pass>Ascending</pass>"
    ...                b"<platformHeading>-12.3</platformHeading></productInformation></generalAnnotation></product>")
    {'pass': 'ascending', 'platform_heading_deg': -12.3, 'look': 'right', 'incidence_deg': None}
    """
    return orbit_facts(_orbit_fields(ET.fromstring(xml_bytes)))


def orbit_facts(ann):
    """The pass and viewing geometry of a parsed annotation (:func:`parse_annotation`), as stored with the scene.

    Returns
    -------
    dict or None
        ``pass`` (``"ascending"``/``"descending"``), ``platform_heading_deg``
        (the ``platformHeading`` of ``productInformation``: the ground-track
        heading, degrees clockwise from north), ``look`` (``"right"``:
        Sentinel-1 looks right, Sentinel-1 User Handbook) and
        ``incidence_deg`` (the mean incidence angle of the geolocation grid,
        None when it has none); None when the annotation gives no heading.
        Source: Sentinel-1 Product Specification (S1-RS-MDA-52-7441),
        ``generalAnnotation/productInformation``.

    Examples
    --------
    >>> orbit_facts({"pass": "Descending", "heading": "-167.52", "incidence": [30.9, 46.0]})
    {'pass': 'descending', 'platform_heading_deg': -167.52, 'look': 'right', 'incidence_deg': 38.45}
    """
    if not ann.get("heading"):
        return None
    angles = ann.get("incidence") or []
    return {
        "pass": (ann.get("pass") or "").strip().lower() or None,
        "platform_heading_deg": float(ann["heading"]),
        "look": "right",
        "incidence_deg": round(float(np.mean(angles)), 3) if angles else None,
    }


def _pol_of(name):
    parts = Path(name).name.lower().split("-")
    return parts[3] if len(parts) > 3 and parts[3] in _POLS else None


def _choose(safe, polarisation):
    """(measurement name, polarisation) for the requested or default polarisation."""
    meas = [n for n in safe.glob(r"^measurement/[^/]+\.tiff?$") if _pol_of(n)]
    if not meas:
        raise InputError("is a Sentinel-1 SAFE product without a measurement image (measurement/*.tiff); "
                         "download the complete product", where=safe.source)
    pols = {_pol_of(n): n for n in meas}
    if polarisation:
        want = polarisation.lower()
        if want not in pols:
            raise InputError(f"has no {polarisation.upper()} measurement; it holds "
                             f"{', '.join(p.upper() for p in sorted(pols))} (choose one with --polarisation)",
                             where=safe.source)
        return pols[want], want
    for p in _POLS:
        if p in pols:
            return pols[p], p
    raise InputError("has no measurement image", where=safe.source)  # pragma: no cover - _POLS covers all


def _one(safe, pattern):
    hits = safe.glob(pattern)
    return hits[0] if hits else None


def grid_footprint(grid):
    """The footprint outlined by a geolocation grid (rows ``line, pixel, lon, lat, ...``), EPSG:4326."""
    import shapely

    from shipsight.geodesy import split_antimeridian

    lines = np.unique(grid[:, 0])
    pixels = np.unique(grid[:, 1])
    if lines.size < 2 or pixels.size < 2 or lines.size * pixels.size != len(grid):
        return None
    order = np.lexsort((grid[:, 1], grid[:, 0]))
    lon = grid[order, 2].reshape(lines.size, pixels.size)
    lat = grid[order, 3].reshape(lines.size, pixels.size)
    ring_lon = np.r_[lon[0, :], lon[1:, -1], lon[-1, -2::-1], lon[-2:0:-1, 0]]
    ring_lat = np.r_[lat[0, :], lat[1:, -1], lat[-1, -2::-1], lat[-2:0:-1, 0]]
    ring_lon = np.degrees(np.unwrap(np.radians(ring_lon)))  # continuous across 180; split below
    poly = shapely.make_valid(shapely.Polygon(np.column_stack([ring_lon, ring_lat])))
    return shapely.orient_polygons(split_antimeridian(poly))


def read_sentinel1(safe, *, polarisation=None, denoise=False):
    """A :class:`~shipsight.imagery.products.Product` for one polarisation of a Sentinel-1 GRD SAFE.

    Parameters
    ----------
    safe : Safe
        The product (folder or zip), see :func:`~shipsight.imagery.products.safe.find_safe`.
    polarisation : str, optional
        ``VV``, ``VH``, ``HH`` or ``HV``; default VV where present, else HH, VH, HV.
    denoise : bool
        Subtract the thermal noise LUT before calibrating.

    Raises
    ------
    InputError
        No measurement image, no such polarisation, unreadable annotation.
    """
    from shipsight.imagery.products import Product
    from shipsight.imagery.radiometry import Radiometry

    meas, pol = _choose(safe, polarisation)
    base = Path(meas).stem  # s1a-iw-grd-vv-...-001
    notes = []
    ann_name = _one(safe, rf"^annotation/{re.escape(base)}\.xml$")
    cal_name = _one(safe, rf"^annotation/calibration/calibration-{re.escape(base)}\.xml$")
    noise_name = _one(safe, rf"^annotation/calibration/noise-{re.escape(base)}\.xml$")
    ann = None
    try:
        if ann_name:
            ann = parse_annotation(safe.read(ann_name))
        calibration = parse_calibration(safe.read(cal_name)) if cal_name else None
        noise = parse_noise(safe.read(noise_name)) if (noise_name and denoise) else None
    except ET.ParseError as exc:
        raise InputError(f"has an unreadable annotation file ({exc})", where=safe.source) from None
    if calibration is None:
        notes.append("no calibration LUT in the product: detection works on amplitude DN squared, not sigma0")
    if denoise and noise is None:
        notes.append("no thermal noise LUT in the product: noise not removed")

    start = stop = None
    mission = None
    if ann is not None:
        start, stop, mission = ann["start"], ann["stop"], ann["mission"]
    else:
        notes.append("no annotation in the product: time and mission from its name, georeferencing from the "
                     "measurement's GCPs")
        m = _NAME_TIMES.search(safe.name)
        if m:
            from shipsight.imagery.scene import parse_tag_time

            start, stop = parse_tag_time(m.group(1)), parse_tag_time(m.group(2))
        mission = safe.name[:3].upper() if safe.name[:2].upper() == "S1" else None

    grid = ann["grid"] if ann is not None and len(ann["grid"]) else None
    gcps = None
    if grid is not None:
        gcps = [(r[0], r[1], r[2], r[3], r[4]) for r in grid]
    footprint = grid_footprint(grid) if grid is not None else None
    return Product(
        orbit=orbit_facts(ann) if ann is not None else None,
        path=safe.source,
        raster=safe.raster(meas),
        format="sentinel-1-grd",
        kind="sar",
        kind_source="Sentinel-1 product",
        units="amplitude",
        units_source="metadata: Sentinel-1 GRD measurement (amplitude DN)",
        radiometry=Radiometry("sar", "amplitude", calibration=calibration, noise=noise),
        acquired=start,
        time_range=(start, stop) if start and stop else None,
        acquired_source="annotation" if ann is not None else "product name",
        sensor=f"Sentinel-{mission[1:]}" if mission else "Sentinel-1",
        scene_id=safe.name[:-5] if safe.name.upper().endswith(".SAFE") else safe.name,
        footprint=footprint,
        fallback_gcps=gcps,
        options={"polarisation": pol.upper(), "denoise": bool(denoise)},
        notes=notes,
        fill=0.0,  # GRD borders: DN 0 is "no data" (Product Specification), never a measured amplitude
    )
