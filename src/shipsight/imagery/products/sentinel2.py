"""Sentinel-2 Level-1C and Level-2A SAFE products: band JP2 files and their scaling.

From the product metadata (``MTD_MSIL1C.xml`` / ``MTD_MSIL2A.xml``; ESA,
*Sentinel-2 Products Specification Document*, and the processing baseline
04.00 note of January 2022):

- reflectance = (DN + offset) / quantification value, with the offset
  ``RADIO_ADD_OFFSET`` (L1C) or ``BOA_ADD_OFFSET`` (L2A) of the band
  (-1000 from baseline 04.00 on, absent before) and
  ``QUANTIFICATION_VALUE`` / ``BOA_QUANTIFICATION_VALUE`` (10000), so that
  scores compare across baselines;
- the sensing start (``PRODUCT_START_TIME``) and the spacecraft
  (``SPACECRAFT_NAME``).

The band searched is B08 (NIR, 10 m: dark water, bright hulls) unless a
band file of the product is given itself.
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from shipsight.errors import InputError

__all__ = ["read_sentinel2", "BAND_IDS"]

#: ``band_id`` order of the metadata's per-band lists.
BAND_IDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
_DEFAULT_BAND = "B08"


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _find(root, name):
    for el in root.iter():
        if _local(el.tag) == name:
            return el
    return None


def _band_values(root, name):
    """``{band_id: value}`` of elements like ``<BOA_ADD_OFFSET band_id="7">-1000</BOA_ADD_OFFSET>``."""
    out = {}
    for el in root.iter():
        if _local(el.tag) == name and "band_id" in el.attrib:
            out[BAND_IDS[int(el.attrib["band_id"])]] = float(el.text)
    return out


def _band_of(name):
    m = re.search(r"_(B\d{2}|B8A)(?:_\d+m)?\.jp2$", name, re.IGNORECASE)
    return m.group(1).upper() if m else None


def read_sentinel2(safe, *, band_file=None, band=_DEFAULT_BAND):
    """A :class:`~shipsight.imagery.products.Product` for one band of a Sentinel-2 SAFE.

    Raises
    ------
    InputError
        No product metadata, no JP2 for the band.
    """
    from shipsight.imagery.products import Product
    from shipsight.imagery.radiometry import Radiometry
    from shipsight.imagery.scene import parse_tag_time

    mtd = safe.glob(r"^MTD_MSIL(1C|2A)\.xml$")
    if not mtd:
        raise InputError("is a Sentinel-2 SAFE without its product metadata (MTD_MSIL1C.xml or MTD_MSIL2A.xml); "
                         "download the complete product", where=safe.source)
    try:
        root = ET.fromstring(safe.read(mtd[0]))
    except ET.ParseError as exc:
        raise InputError(f"has unreadable product metadata ({exc})", where=safe.source) from None
    level = "L2A" if "2A" in mtd[0].upper() else "L1C"
    if band_file is not None:
        name = Path(band_file).relative_to(Path(safe.root)).as_posix()
        band = _band_of(name) or band
    else:
        hits = sorted(safe.glob(rf"IMG_DATA/(R10m/)?[^/]*_{band}(_10m)?\.jp2$"), key=len)
        if not hits:
            raise InputError(f"has no {band} band image (GRANULE/*/IMG_DATA/...{band}...jp2); download the complete "
                             "product", where=safe.source)
        name = hits[0]
    offsets = _band_values(root, "BOA_ADD_OFFSET" if level == "L2A" else "RADIO_ADD_OFFSET")
    quant_el = _find(root, "BOA_QUANTIFICATION_VALUE" if level == "L2A" else "QUANTIFICATION_VALUE")
    quant = float(quant_el.text) if quant_el is not None and quant_el.text else 10000.0
    offset = offsets.get(band, 0.0)
    notes = [f"reflectance = (DN {'-' if offset < 0 else '+'} {abs(offset):g}) / {quant:g} from {mtd[0]} "
             f"(baseline {(_find(root, 'PROCESSING_BASELINE').text if _find(root, 'PROCESSING_BASELINE') is not None else '?')})"]
    start = _find(root, "PRODUCT_START_TIME")
    craft = _find(root, "SPACECRAFT_NAME")
    return Product(
        path=str(band_file) if band_file is not None else safe.source,
        raster=safe.raster(name),
        format="sentinel-2",
        kind="optical",
        kind_source=f"Sentinel-2 {level} product",
        radiometry=Radiometry("optical", offset=offset, scale=1.0 / quant),
        acquired=parse_tag_time(start.text) if start is not None and start.text else None,
        acquired_source=f"{mtd[0]} PRODUCT_START_TIME" if start is not None else None,
        sensor=craft.text if craft is not None else "Sentinel-2",
        scene_id=safe.name[:-5] if safe.name.upper().endswith(".SAFE") else safe.name,
        options={"band": band},
        notes=notes,
        fill=0.0,  # DN 0 is NO_DATA in Sentinel-2 products (Products Specification Document)
    )
