"""Azimuth ambiguities of SAR: how far along azimuth a bright target's ghost appears.

A SAR samples the Doppler history of a target at the pulse repetition
frequency (PRF); returns at Doppler offsets of a multiple of the PRF fold
back into the image as a faint copy of the target displaced along azimuth.
With the azimuth FM rate ``2 V_eff^2 / (lambda R)`` the offset is
``lambda R PRF / (2 V_eff^2)`` seconds of zero-Doppler time, and on the
ground, moving at ``V_g`` with ``V_eff^2 ~ V_s V_g``,

    dx = lambda R PRF / (2 V_s)

(Curlander & McDonough, *Synthetic Aperture Radar: Systems and Signal
Processing*, 1991, section 6.5). For Sentinel-1 IW this is some 4.5-5.5 km,
with the ghost about 22 dB below its target.

:func:`s1_ambiguity_m` reads the wavelength, the PRF of each swath, the slant
range and the platform speed from a Sentinel-1 annotation file; pass the
result to :func:`~shipsight.imagery.detect.detect` as ``ambiguity_m``
(``shipsight detect --ambiguity-m``).

Example
-------
>>> round(azimuth_ambiguity_m(0.05547, 850e3, 1451.6, 7590.0))
4509
"""

import numpy as np

from shipsight.errors import InputError

__all__ = ["azimuth_ambiguity_m", "s1_ambiguity_m"]

_C = 299_792_458.0


def azimuth_ambiguity_m(wavelength_m, slant_range_m, prf_hz, velocity_m_s):
    """Ground distance along azimuth from a target to its first azimuth ambiguity, metres.

    Parameters
    ----------
    wavelength_m : float
        Radar wavelength (Sentinel-1: 0.0555 m).
    slant_range_m : float or array
        Slant range to the target.
    prf_hz : float or array
        Pulse repetition frequency.
    velocity_m_s : float
        Platform speed relative to the Earth's surface (Earth-fixed frame).

    Returns
    -------
    float or numpy.ndarray
        ``wavelength * R * PRF / (2 V)``.

    Examples
    --------
    >>> round(azimuth_ambiguity_m(0.05547, 950e3, 1685.8, 7590.0))
    5852
    """
    return wavelength_m * np.asarray(slant_range_m, dtype=float) * np.asarray(prf_hz, dtype=float) / (2.0 * velocity_m_s)


def s1_ambiguity_m(annotation, *, image=None):
    """Azimuth ambiguity distance of each swath of a Sentinel-1 product, from its annotation XML.

    Parameters
    ----------
    annotation : str or Path
        A product annotation file (``annotation/s1?-iw-grd-vv-....xml``).
    image : str, Path or Product, optional
        The image the distances are for: the annotation's geolocation grid
        must overlap its footprint (another product's PRF would mark the
        wrong copies).

    Returns
    -------
    dict
        Swath name (IW1, IW2, ...) -> distance in metres, at the middle of
        the swath's share of the product's slant ranges (the swaths follow
        one another from near to far range).

    Raises
    ------
    InputError
        Not a Sentinel-1 annotation (no radar frequency, PRF, orbit or geolocation grid);
        an annotation whose footprint does not overlap ``image``.
    """
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(annotation).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InputError(f"cannot read it as Sentinel-1 annotation XML ({exc})", where=str(annotation)) from None
    try:
        freq = float(root.findtext("generalAnnotation/productInformation/radarFrequency"))
        swaths = [(d.findtext("swath"), float(d.findtext("prf")))
                  for d in root.iterfind("generalAnnotation/downlinkInformationList/downlinkInformation")]
        v = [[float(o.findtext(f"velocity/{k}")) for k in "xyz"] for o in root.iterfind("generalAnnotation/orbitList/orbit")]
        points = list(root.iterfind("geolocationGrid/geolocationGridPointList/geolocationGridPoint"))
        tau = [float(p.findtext("slantRangeTime")) for p in points]
        grid = np.array([[float(p.findtext(k)) for k in ("line", "pixel", "longitude", "latitude")] for p in points])
    except (TypeError, ValueError):
        raise InputError("is not a Sentinel-1 annotation file (radar frequency, PRF, orbit or geolocation grid "
                         "missing)", where=str(annotation)) from None
    if not (swaths and v and tau):
        raise InputError("is not a Sentinel-1 annotation file (no PRF, orbit or geolocation grid)",
                         where=str(annotation))
    if image is not None:
        _check_covers(annotation, grid, image)
    speed = float(np.mean(np.linalg.norm(np.asarray(v), axis=1)))
    near, far = _C * min(tau) / 2.0, _C * max(tau) / 2.0
    n = len(swaths)
    ranges = near + (np.arange(n) + 0.5) * (far - near) / n
    wavelength = _C / freq
    return {name: float(azimuth_ambiguity_m(wavelength, r, prf, speed)) for (name, prf), r in zip(swaths, ranges)}


def _check_covers(annotation, grid, image):
    """Refuse an annotation whose geolocation grid does not overlap the image."""
    import shapely

    from shipsight.imagery.products import lonlat_bounds
    from shipsight.imagery.products.sentinel1 import grid_footprint

    box = lonlat_bounds(image)
    footprint = grid_footprint(grid)
    if box is None or footprint is None or footprint.intersects(shapely.box(*box)):
        return
    lon0, lat0, lon1, lat1 = footprint.bounds
    raise InputError(f"describes a product at {lon0:.2f}..{lon1:.2f} E, {lat0:.2f}..{lat1:.2f} N, which does not "
                     f"overlap {image}: give the annotation of the image's own product, or --ambiguity-m",
                     where=str(annotation))
