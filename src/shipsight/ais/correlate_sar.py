"""Where a moving ship appears in a SAR image: the azimuth shift.

A SAR image places a target where its Doppler frequency is zero. A ship with
a velocity component along the radar's line of sight adds a Doppler shift of
its own, so it is drawn displaced along the satellite's track by

.. math:: \\Delta x = \\frac{R}{V} v_r

where :math:`R` is the slant range, :math:`V` the platform's velocity and
:math:`v_r` the ship's velocity towards the radar (the ground-range component
of its velocity times the sine of the incidence angle): towards the radar it
moves forward along the track, away from it backwards. For Sentinel-1
(:math:`R/V` about 110-130 s) a ship making 10 kn across the track appears
300-400 m from where it is (Raney 1971, "Synthetic aperture imaging radar and
moving targets", IEEE Trans. AES-7; the "train off the track" effect). Global
Fishing Watch corrects AIS positions for it before matching them to Sentinel-1
detections (Paolo et al., "Satellite mapping reveals extensive industrial
activity at sea", Nature 625, 2024; their matching tables carry a Doppler
offset per vessel and scene).

Correlation moves each AIS-predicted position by this shift before comparing
it with the detections, when the scene's metadata says the geometry. A
Sentinel-1 GRD product (SAFE folder or zip) registered as the scene gives it
in its annotation: the platform heading, the pass and the incidence angles of
the geolocation grid (Sentinel-1 Product Specification, ``productInformation``
and ``geolocationGrid``), read at registration and stored with the scene
(``product.orbit``), so a copy of the log without the product has it too.
Otherwise the scene's STAC Item may: the pass
(``sat:orbit_state``), the look side (``sar:observation_direction``, right for
Sentinel-1) and the incidence angle (``view:incidence_angle``; the middle of
the Sentinel-1 IW swath, 37 degrees, when absent, and the evidence says it
was assumed); the heading is then that of a sun-synchronous orbit of
Sentinel-1's inclination (98.18 degrees) at the scene's latitude, seen from
the rotating Earth: about -12 degrees ascending and 192 descending at the
equator, as Sentinel-1 annotations give it. Optical scenes have no such shift.
"""

import re
import xml.etree.ElementTree as ET

from dataclasses import dataclass

import numpy as np

from shipsight.errors import InputError
from shipsight.geodesy import WGS84

#: Sentinel-1: orbit inclination (deg), altitude (m), orbital period (s); ESA Sentinel-1 User Handbook.
S1_INCLINATION_DEG = 98.18
S1_ALTITUDE_M = 693_000.0
S1_PERIOD_S = 98.6 * 60
#: Middle of the Sentinel-1 IW swath (29.1-46.0 degrees), used when a scene does not say.
DEFAULT_INCIDENCE_DEG = 37.0
EARTH_ROTATION_RAD_S = 7.2921159e-5
_GM = 3.986004418e14
_RE = 6_371_008.8
KNOT_MS = 1852.0 / 3600.0


@dataclass(frozen=True)
class SarGeometry:
    """The viewing geometry of a SAR scene, as the azimuth shift needs it.

    ``heading_deg`` is the platform's ground-track heading (clockwise from
    north), ``look`` the side it looks to (``"right"`` or ``"left"``),
    ``incidence_deg`` the incidence angle at the scene, ``altitude_m`` the
    platform's height; ``assumed`` lists what was not in the metadata.
    """

    heading_deg: float
    look: str = "right"
    incidence_deg: float = DEFAULT_INCIDENCE_DEG
    altitude_m: float = S1_ALTITUDE_M
    assumed: tuple = ()

    @property
    def range_over_velocity_s(self):
        """Slant range over platform velocity (s), from the spherical triangle of Earth centre,
        target and satellite.

        >>> round(SarGeometry(heading_deg=-12.0).range_over_velocity_s, 1)
        112.5
        """
        theta = np.radians(self.incidence_deg)
        rs = _RE + self.altitude_m
        slant = -_RE * np.cos(theta) + np.sqrt((_RE * np.cos(theta)) ** 2 + rs ** 2 - _RE ** 2)
        return float(slant / np.sqrt(_GM / rs))

    def as_record(self):
        return {"heading_deg": round(self.heading_deg, 2), "look": self.look,
                "incidence_deg": round(self.incidence_deg, 2), "range_over_velocity_s":
                round(self.range_over_velocity_s, 1), "assumed": list(self.assumed)}


def ground_track_heading(lat, orbit_state, *, inclination_deg=S1_INCLINATION_DEG, period_s=S1_PERIOD_S):
    """The ground-track heading (degrees clockwise from north) of a sun-synchronous satellite at ``lat``.

    The inertial heading :math:`\\beta` follows from :math:`\\sin\\beta = \\cos i / \\cos\\varphi`;
    the Earth's rotation under the track is then taken off the eastward rate.

    >>> round(ground_track_heading(0.0, "ascending"), 1), round(ground_track_heading(0.0, "descending"), 1)
    (-12.0, -168.0)
    """
    phi = np.radians(lat)
    sin_b = np.clip(np.cos(np.radians(inclination_deg)) / max(np.cos(phi), 1e-6), -1.0, 1.0)
    cos_b = np.sqrt(1.0 - sin_b ** 2) * (1.0 if orbit_state == "ascending" else -1.0)
    omega = 2 * np.pi / period_s
    east = omega * sin_b - EARTH_ROTATION_RAD_S * np.cos(phi)
    north = omega * cos_b
    return float(np.degrees(np.arctan2(east, north)))


def orbit_geometry(orbit):
    """The :class:`SarGeometry` of a scene's stored orbit facts (``product["orbit"]`` of its record,
    see :func:`shipsight.imagery.products.sentinel1.orbit_facts`), or None without a heading.

    >>> g = orbit_geometry({"pass": "descending", "platform_heading_deg": -167.5, "look": "right",
    ...                     "incidence_deg": None})
    >>> g.heading_deg, g.incidence_deg, g.assumed
    (-167.5, 37.0, ('incidence 37 deg',))
    """
    if not orbit or orbit.get("platform_heading_deg") is None:
        return None
    incidence = orbit.get("incidence_deg")
    assumed = () if incidence is not None else (f"incidence {DEFAULT_INCIDENCE_DEG:g} deg",)
    return SarGeometry(heading_deg=float(orbit["platform_heading_deg"]), look=orbit.get("look") or "right",
                       incidence_deg=DEFAULT_INCIDENCE_DEG if incidence is None else float(incidence),
                       assumed=assumed)


def annotation_geometry(xml_bytes):
    """The :class:`SarGeometry` in a Sentinel-1 product annotation file (heading, pass, mean
    incidence of the geolocation grid), or None when it does not say.

    >>> xml = (b"<product><generalAnnotation><productInformation><pass>Descending</pass>"
    ...        b"<platformHeading>-167.5</platformHeading></productInformation></generalAnnotation>"
    ...        b"<geolocationGrid><geolocationGridPointList><geolocationGridPoint><incidenceAngle>30.0"
    ...        b"</incidenceAngle></geolocationGridPoint><geolocationGridPoint><incidenceAngle>44.0"
    ...        b"</incidenceAngle></geolocationGridPoint></geolocationGridPointList></geolocationGrid></product>")
    >>> g = annotation_geometry(xml); g.heading_deg, g.incidence_deg, g.assumed
    (-167.5, 37.0, ())
    """
    from shipsight.imagery.products.sentinel1 import orbit_from_xml

    return orbit_geometry(orbit_from_xml(xml_bytes))


def _product_geometry(scene):
    """The geometry stored with a registered Sentinel-1 product; for one registered before it was
    stored, the geometry in its annotation when its file is here."""
    product = scene.get("product") or {}
    stored = orbit_geometry(product.get("orbit"))
    if stored is not None:
        return stored
    if not str(product.get("format", "")).startswith("sentinel-1") or not scene.get("path"):
        return None
    from shipsight.imagery.products.safe import find_safe

    try:
        safe = find_safe(scene["path"])
        names = [n for n in (safe.names if safe else []) if re.fullmatch(r"annotation/[^/]+\.xml", n)]
        return annotation_geometry(safe.read(names[0])) if names else None
    except (OSError, ET.ParseError, InputError, ValueError):
        return None  # the product is not on this machine, or not readable: the STAC Item may still say


def sar_geometry(scene):
    """The :class:`SarGeometry` of a registered scene (a dict of :func:`shipsight.scenes.get_scene`),
    or None when it is not SAR or its pass is not known.

    A Sentinel-1 product's own annotation first: the orbit facts stored with
    the scene at registration, or for a scene registered before they were
    stored, its annotation file when the product is on this machine; else the scene's STAC Item properties: ``sat:orbit_state``
    (required), ``sar:observation_direction`` and ``view:incidence_angle``
    (defaults right and 37 degrees, listed in ``assumed``).

    >>> sar_geometry({"stac": None, "footprint": None}) is None
    True
    """
    own = _product_geometry(scene)
    if own is not None:
        return own
    props = ((scene.get("stac") or {}).get("properties") or {})
    state = str(props.get("sat:orbit_state") or "").lower()
    is_sar = any(str(k).startswith("sar:") for k in props) or "sentinel-1" in str(props.get("constellation", "")).lower()
    if state not in ("ascending", "descending") or not is_sar:
        return None
    assumed = []
    look = str(props.get("sar:observation_direction") or "").lower()
    if look not in ("left", "right"):
        look = "right"
        assumed.append("look side right")
    incidence = props.get("view:incidence_angle")
    if incidence is None:
        incidence = DEFAULT_INCIDENCE_DEG
        assumed.append(f"incidence {DEFAULT_INCIDENCE_DEG:g} deg")
    lat = scene["footprint"].centroid.y if scene.get("footprint") is not None else 0.0
    return SarGeometry(heading_deg=ground_track_heading(lat, state), look=look, incidence_deg=float(incidence),
                       assumed=tuple(assumed))


def azimuth_shift(lon, lat, sog_kn, cog_deg, geometry):
    """Where ships at ``lon``, ``lat`` moving at ``sog_kn`` on ``cog_deg`` appear in the SAR image.

    Parameters
    ----------
    lon, lat, sog_kn, cog_deg : array_like
        Positions (degrees), speed over ground (knots) and course over ground
        (degrees); NaN speed or course means no shift.
    geometry : SarGeometry

    Returns
    -------
    lon, lat : ndarray
        The apparent positions.
    shift_m : ndarray
        The signed shift along the platform's heading, metres (positive forward).

    Examples
    --------
    A ship making 10 kn straight towards a right-looking radar flying north
    appears about 350 m north of where it is:

    >>> g = SarGeometry(heading_deg=0.0, incidence_deg=37.0)
    >>> _, la, s = azimuth_shift([0.0], [0.0], [10.0], [270.0], g)
    >>> round(float(s[0])), round(float(la[0]), 5)
    (348, 0.00315)
    """
    lon, lat, sog, cog = (np.asarray(a, dtype=float) for a in (lon, lat, sog_kn, cog_deg))
    look_az = np.radians(geometry.heading_deg + (90.0 if geometry.look == "right" else -90.0))
    course = np.radians(cog)
    # Ground velocity along the look direction (away from the radar), then towards the radar in slant range.
    away = sog * KNOT_MS * np.cos(course - look_az)
    towards = -away * np.sin(np.radians(geometry.incidence_deg))
    shift = np.nan_to_num(geometry.range_over_velocity_s * towards)
    az = np.where(shift >= 0, geometry.heading_deg, geometry.heading_deg + 180.0)
    if lon.size == 0:
        return lon, lat, shift
    out_lon, out_lat, _ = WGS84.fwd(lon, lat, az, np.abs(shift))
    return np.asarray(out_lon, dtype=float), np.asarray(out_lat, dtype=float), shift
