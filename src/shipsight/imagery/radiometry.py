"""What a raster's numbers mean: SAR or optical, SAR units, optical scaling, calibration.

Detection compares a pixel with the clutter around it, so it must work on
a quantity proportional to backscattered *power* (SAR) or to reflectance
(optical). Products deliver other things: Sentinel-1 GRD stores amplitude
digital numbers, SNAP exports amplitude or dB, Sentinel-2 L2A since
processing baseline 04.00 adds 1000 to every DN. This module decides, and
says how it decided; nothing here is guessed silently.

SAR units
---------
``"intensity"`` (linear power, sigma0), ``"amplitude"`` (its square root,
and GRD digital numbers), ``"db"`` (``10 log10`` of power). In order:

1. what the caller says (``--units``);
2. the product's metadata: a Sentinel-1 measurement is amplitude DN; a band
   unit or description (``dB``, ``Amplitude_VV``, ``Sigma0_VV``) or a
   ``UNITS`` tag;
3. the statistics of the clutter (:func:`infer_sar_units`), with the
   inference reported.

Fully developed speckle in a homogeneous patch of sea is gamma distributed
in intensity (Goodman 1976; Ulaby & Dobson 1989). In the log-cumulant
diagram of SAR statistics (Nicolas 2002; Tison et al. 2004) a gamma law
lies on the curve ``k3 = psi2(L)`` where ``k2 = psi1(L)`` (``k2``, ``k3``:
second and third cumulants of ``ln I``; ``psi1``, ``psi2``: polygamma
functions), whatever its mean and number of looks L. Each unit hypothesis
is turned into intensity (``x``, ``x**2``, ``10**(x/10)``) and the one
whose 16 x 16 pixel blocks (median log-cumulants) lie closest to that curve
is taken. Log-cumulants, unlike moments, are not led astray by the heavy
tail of single-look data. Mostly negative values can only be dB.
"""

import math
from dataclasses import dataclass

import numpy as np

from shipsight.errors import InputError

__all__ = ["SAR_UNITS", "Radiometry", "UnitsChoice", "classify_kind", "units_from_metadata", "infer_sar_units",
           "optical_scaling"]

#: Units a SAR raster may be in.
SAR_UNITS = ("intensity", "amplitude", "db")
_GAMMA_SKEW_PER_CV = 2.0
_UNCERTAIN = 0.35  # |ln(observed / gamma ratio)| beyond which the best hypothesis is only a guess
_MIN_BLOCKS = 12
_LUT_PX = 1 << 18  # calibration: pixels per chunk of rows

_OPTICAL_WORDS = ("SENTINEL-2", "SENTINEL2", "LANDSAT", "WORLDVIEW", "WV0", "WV1", "GEOEYE", "QUICKBIRD",
                  "PLEIADES", "PLANETSCOPE", "SKYSAT", "SPOT", "SUPERDOVE", "DOVE", "MSI", "OLI", "GAOFEN")
_SAR_WORDS = ("SENTINEL-1", "SENTINEL1", "S1A", "S1B", "S1C", "RADARSAT", "TERRASAR", "TANDEM", "COSMO",
              "ICEYE", "CAPELLA", "ALOS", "PALSAR", "SAOCOM", "UMBRA", "SAR", "GRD")


@dataclass(frozen=True)
class UnitsChoice:
    """SAR units and where they came from (``"argument"``, ``"metadata: ..."``, ``"inferred: ..."``)."""

    units: str
    source: str
    uncertain: bool = False


def classify_kind(tags, count, dtype, descriptions=()):
    """``("sar" | "optical", reason)`` from tags, band names, band count and data type.

    Tags that name a mission or instrument decide first (a single uint16
    Sentinel-2 band is optical); then band names (``B02``...``B12``, red,
    ``VV``/``VH``...); then three or more bands, or 8-bit data, mean optical
    and anything else SAR.

    >>> classify_kind({"SPACECRAFT_NAME": "Sentinel-2B"}, 1, "uint16")
    ('optical', 'tag SPACECRAFT_NAME Sentinel-2B')
    >>> classify_kind({}, 1, "float32")
    ('sar', '1 band of float32 and no mission tag')
    """
    for key in ("SPACECRAFT_NAME", "MISSION", "PLATFORM", "SATELLITEID", "SATELLITE", "SENSOR", "MISSION_ID",
                "PRODUCT_TYPE", "INSTRUMENT"):
        value = str(tags.get(key, "")).upper()
        if not value:
            continue
        if any(w in value for w in _OPTICAL_WORDS):
            return "optical", f"tag {key} {tags[key]}"
        if any(w in value for w in _SAR_WORDS):
            return "sar", f"tag {key} {tags[key]}"
    names = [str(d or "").upper() for d in descriptions]
    for d in names:
        if d.startswith(("B0", "B1", "B8A")) or d in ("RED", "GREEN", "BLUE", "NIR", "PAN"):
            return "optical", f"band name {d}"
        if any(p in d for p in ("VV", "VH", "HH", "HV", "SIGMA0", "GAMMA0", "BETA0")):
            return "sar", f"band name {d}"
    if count >= 3:
        return "optical", f"{count} bands"
    if str(dtype) == "uint8":
        return "optical", "8-bit data"
    return "sar", f"{count} band{'s' * (count != 1)} of {dtype} and no mission tag"


def units_from_metadata(tags, description=None, unit=None):
    """SAR units named by a band unit, band description or tag; ``(None, None)`` when none does.

    >>> units_from_metadata({}, "Sigma0_VV_db", None)
    ('db', 'band description Sigma0_VV_db')
    >>> units_from_metadata({}, "Amplitude_VV", None)
    ('amplitude', 'band description Amplitude_VV')
    """
    for label, text in (("band unit", unit), ("band description", description),
                        ("tag UNITS", tags.get("UNITS") or tags.get("UNIT")),
                        ("tag SAR_UNITS", tags.get("SAR_UNITS"))):
        if not text:
            continue
        t = str(text).strip().lower()
        if t == "db" or t.endswith(("_db", " db", "(db)", "decibel", "decibels")) or "_db_" in t:
            return "db", f"{label} {text}"
        if t.startswith("amplitude") or "_amplitude" in t or t in ("amp", "dn"):
            return "amplitude", f"{label} {text}"
        if t.startswith(("intensity", "sigma0", "gamma0", "beta0", "power", "linear")) or "intensity" in t:
            return "intensity", f"{label} {text}"
    return None, None


def _blocks(x, size=16):
    h, w = (x.shape[0] // size) * size, (x.shape[1] // size) * size
    if h == 0 or w == 0:
        return np.empty((0, size * size))
    return x[:h, :w].reshape(h // size, size, w // size, size).transpose(0, 2, 1, 3).reshape(-1, size * size)


def _gamma_misfit(blocks):
    """|ln(k3 / psi2(L))| with L from k2 = psi1(L): distance of blocks of intensity from the gamma curve.

    inf when too few positive blocks, or a third log-cumulant of the wrong sign.
    """
    from scipy.special import polygamma

    ok = np.isfinite(blocks).all(axis=1) & (blocks > 0).all(axis=1)
    if ok.sum() < _MIN_BLOCKS:
        return math.inf
    lg = np.log(blocks[ok])
    d = lg - lg.mean(axis=1, keepdims=True)
    k2 = float(np.median((d * d).mean(axis=1)))
    k3 = float(np.median((d * d * d).mean(axis=1)))
    if not (k2 > 0 and k3 < 0):
        return math.inf
    looks = np.geomspace(0.05, 1e5, 2000)
    psi1 = polygamma(1, looks)  # decreasing in L
    L = float(np.exp(np.interp(-k2, -psi1, np.log(looks))))
    return abs(math.log(k3 / float(polygamma(2, L))))


def infer_sar_units(samples):
    """Infer SAR units from sample windows of raw values (NaN where invalid).

    Parameters
    ----------
    samples : sequence of 2-D float arrays

    Returns
    -------
    UnitsChoice
        ``source`` reads ``"inferred: ..."`` with the evidence;
        ``uncertain`` is True when no hypothesis fits the speckle well.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sigma0 = rng.gamma(4.0, 0.01 / 4.0, size=(256, 256))
    >>> infer_sar_units([np.sqrt(sigma0)]).units
    'amplitude'
    >>> infer_sar_units([10 * np.log10(sigma0)]).units
    'db'
    """
    vals = np.concatenate([np.asarray(s, dtype=np.float64)[np.isfinite(s)].ravel() for s in samples]) \
        if len(samples) else np.empty(0)
    if vals.size == 0:
        return UnitsChoice("intensity", "inferred: no valid pixels to look at; taken as intensity", True)
    negative = float(np.mean(vals < 0))
    if negative > 0.05:
        return UnitsChoice("db", f"inferred: {negative:.0%} of the values are negative, which only dB can be")
    blocks = np.concatenate([_blocks(np.asarray(s, dtype=np.float64)) for s in samples])
    with np.errstate(all="ignore"):
        fits = {
            "intensity": _gamma_misfit(blocks),
            "amplitude": _gamma_misfit(blocks * blocks),
            "db": _gamma_misfit(np.power(10.0, blocks / 10.0)),
        }
    best = min(fits, key=fits.get)
    if not math.isfinite(fits[best]):
        return UnitsChoice("intensity", "inferred: too few clutter blocks to tell the units; taken as intensity",
                           True)
    others = ", ".join(f"{k} {v:.2f}" for k, v in sorted(fits.items(), key=lambda kv: kv[1]) if math.isfinite(v))
    text = f"inferred: the speckle fits {best} best (misfit to gamma log-cumulants: {others})"
    return UnitsChoice(best, text, fits[best] > _UNCERTAIN)


def optical_scaling(tags):
    """``(offset, scale, source)``: reflectance = (DN + offset) * scale from product tags, or Nones.

    Reads Sentinel-2's ``BOA_ADD_OFFSET``/``RADIO_ADD_OFFSET`` and
    ``BOA_QUANTIFICATION_VALUE``/``QUANTIFICATION_VALUE`` (ESA, Sentinel-2
    Products Specification Document, processing baseline 04.00). An offset
    without a quantification value is still applied (scale 1).

    >>> optical_scaling({"BOA_ADD_OFFSET": "-1000", "BOA_QUANTIFICATION_VALUE": "10000"})[:2]
    (-1000.0, 0.0001)
    """
    def num(*keys):
        for k in keys:
            v = tags.get(k)
            if v is None:
                continue
            try:
                return float(str(v).split()[0]), k
            except ValueError:
                continue
        return None, None

    offset, okey = num("BOA_ADD_OFFSET", "RADIO_ADD_OFFSET", "ADD_OFFSET")
    quant, qkey = num("BOA_QUANTIFICATION_VALUE", "QUANTIFICATION_VALUE", "L1C_QUANTIFICATION_VALUE")
    if offset is None and quant is None:
        return None, None, None
    scale = 1.0 / quant if quant else 1.0
    used = ", ".join(f"{k} {tags[k]}" for k in (okey, qkey) if k)
    return offset or 0.0, scale, f"tags {used}"


@dataclass(frozen=True)
class Radiometry:
    """How raw band values become the linear quantity detection works on. Plain data: it pickles.

    Attributes
    ----------
    kind : {"sar", "optical"}
    units : str or None
        SAR units of the raw values (see the module docstring); None for optical.
    offset, scale : float
        Optical: reflectance = (DN + offset) * scale (0 and 1: raw values).
    calibration : object or None
        A LUT with ``at(rows, cols)`` giving the calibration constant A per
        pixel (Sentinel-1: sigma0 = DN^2 / A^2).
    noise : object or None
        A LUT with ``at(rows, cols)`` giving thermal noise power in DN^2,
        subtracted before calibration (negative results set to 0).
    """

    kind: str
    units: str | None = None
    offset: float = 0.0
    scale: float = 1.0
    calibration: object = None
    noise: object = None

    @property
    def is_db(self):
        return self.units == "db"

    def apply(self, x, row_off=0, col_off=0, source=None):
        """Turn raw float32 values ``x`` (a window at ``row_off, col_off``) into linear intensity, in place.

        ``source``: the raw values in their stored type (``x``'s shape), read
        instead of ``x``'s own; ``x`` is then only the float32 output, and the
        conversion is made in the same pass as the first arithmetic.

        >>> Radiometry("sar", "amplitude").apply(np.array([[3.0]], dtype=np.float32)).tolist()
        [[9.0]]
        >>> Radiometry("sar", "amplitude").apply(np.empty((1, 1), np.float32), source=np.array([[3]], np.uint16)).tolist()
        [[9.0]]
        """
        calibrate = self.kind == "sar" and self.units != "db" and self.calibration is not None
        # Amplitude DN calibrated without noise removal: sigma0 = (DN / A)^2, a division and a square.
        divide_first = self.units == "amplitude" and calibrate and self.noise is None
        if source is not None and not divide_first:
            np.copyto(x, source)
            source = None
        if self.kind != "sar":
            if self.offset:
                x += np.float32(self.offset)
            if self.scale != 1.0:
                x *= np.float32(self.scale)
            return x
        if self.units == "db":
            np.multiply(x, np.float32(math.log(10.0) / 10.0), out=x)
            np.exp(x, out=x)
            return x
        if self.units == "amplitude" and not divide_first:
            np.multiply(x, x, out=x)
        if self.noise is not None or calibrate:
            cols = np.arange(col_off, col_off + x.shape[1], dtype=np.float64)
            along = self.calibration.columns(cols) if calibrate else None
            # Chunks of rows of about a megabyte: the LUT at full resolution never exists for a whole
            # tile, and each chunk stays in cache across the few passes made over it.
            step = max(8, _LUT_PX // max(x.shape[1], 1))
            buf = np.empty((min(step, x.shape[0]), x.shape[1]), dtype=np.float32)
            for r0 in range(0, x.shape[0], step):
                part = x[r0:r0 + step]
                rows = np.arange(row_off + r0, row_off + r0 + part.shape[0], dtype=np.float64)
                if self.noise is not None:
                    part -= self.noise.at(rows, cols)
                    np.maximum(part, 0, out=part)
                if calibrate:
                    a = self.calibration.at(rows, cols, along=along, out=buf[:part.shape[0]])
                    if divide_first:
                        if source is not None:  # a same-type divide after a cast: twice a mixed-type one's speed
                            np.copyto(part, source[r0:r0 + step])
                        part /= a
                        np.multiply(part, part, out=part)
                    else:
                        np.multiply(a, a, out=a)
                        part /= a
        return x

    def describe(self):
        """Short text for reports: ``"sigma0 from amplitude DN (calibration LUT, noise removed)"``..."""
        if self.kind != "sar":
            if self.offset or self.scale != 1.0:
                return f"reflectance = (DN {'+' if self.offset >= 0 else '-'} {abs(self.offset):g}) x {self.scale:g}"
            return "optical values as stored"
        if self.calibration is not None:
            return f"sigma0 from {self.units} DN (calibration LUT{', thermal noise removed' if self.noise else ''})"
        return f"SAR {self.units}"


def check_units(units):
    """Refuse a units name that is not one of :data:`SAR_UNITS` (or "auto")."""
    if units not in (*SAR_UNITS, "auto", None):
        raise InputError(f"units must be one of auto, {', '.join(SAR_UNITS)}; not {units!r}", where="--units")
    return None if units == "auto" else units
