"""STAC Items as catalogues publish them: time instants and ranges, assets, relative hrefs.

Time (STAC Item spec, ``datetime`` and the common metadata
``start_datetime``/``end_datetime``): an instant is used as the acquisition
time; a null ``datetime`` with a range keeps the range. A range of at most
:data:`SHORT_RANGE` (one strip or datatake) also gives its start as the
acquisition time; a longer one (a monthly mosaic, a quarterly composite)
gives none, so a sighting read from such a scene needs its own time. Times
without a zone are refused, as everywhere in shipsight.

Assets: by key (``asset=``), else the first of ``visual``, ``data``,
``image``, ``analytic``, else the first asset with role ``data`` or
``visual``, else the first GeoTIFF/COG/JP2 asset. Relative hrefs are
resolved against the Item file.
"""

import json
from datetime import timedelta, timezone
from pathlib import Path

from shipsight.errors import InputError

__all__ = ["load_item", "item_times", "item_asset", "product_from_item", "SHORT_RANGE"]

#: Ranges up to this long are one acquisition (a strip, a datatake): their start is the acquisition time.
SHORT_RANGE = timedelta(hours=1)
_ASSET_KEYS = ("visual", "data", "image", "analytic", "ortho", "B08", "nir", "vv")
_RASTER_TYPES = ("image/tiff", "image/jp2", "application/x-geotiff")


def load_item(stac):
    """A STAC Item as a dict, from a dict, a path, or a one-Item search answer (FeatureCollection).

    Raises
    ------
    InputError
        Not JSON, not an Item, or a FeatureCollection of several Items.
    """
    if isinstance(stac, dict):
        doc, where = stac, "stac"
    else:
        where = str(stac)
        p = Path(stac)
        if not p.is_file():
            raise InputError("no such STAC Item file", where=where)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"is not JSON ({exc}); give a STAC Item file", where=where) from None
    if not isinstance(doc, dict):
        raise InputError("is not a STAC Item (a JSON object with type Feature)", where=where)
    if doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
        if len(feats) != 1:
            ids = ", ".join(str(f.get("id")) for f in feats[:5])
            raise InputError(f"is a FeatureCollection of {len(feats)} Items ({ids}); save the scene's own Item and "
                             "pass that", where=where)
        doc = feats[0]
    if doc.get("type") != "Feature" or "id" not in doc or not isinstance(doc.get("properties"), dict):
        raise InputError("is not a STAC Item (needs type Feature, id, properties)", where=where)
    return doc


def _zoned(text, name, item_id, where, tz=None, acquired_given=False):
    """An Item's time, aware; a zone-less one read in ``tz``, or None when the analyst gave
    the time (``acquired_given``: it overrides the Item's), else refused with the remedies."""
    from shipsight.imagery.scene import parse_tag_time
    from shipsight.model import parse_time

    try:
        return parse_time(text, tz=tz)
    except InputError:
        pass
    bare = parse_tag_time(text)
    if bare is not None:
        if acquired_given:
            return None
        shown = bare.strftime("%Y-%m-%dT%H:%M:%S")
        raise InputError(f"STAC Item {item_id}: {name} {text!r} has no time zone; give the time with "
                         f"--acquired {shown}Z if it is UTC, or with its offset (e.g. {shown}+09:00), or say "
                         "the Item's zone with --tz (e.g. --tz UTC)", where=where)
    raise InputError(f"STAC Item {item_id}: {name} {text!r} is not a time", where=where)


def item_times(item, *, where="stac", tz=None, acquired_given=False):
    """``(acquired, start, end)`` of an Item, aware UTC (each may be None); see the module docstring.

    Zone-less times are read in ``tz`` when given; with ``acquired_given`` (the
    analyst gave the time, which overrides the Item's) they are left out rather
    than refused.
    """
    props = item.get("properties", {})
    iid = item.get("id")
    when = props.get("datetime")
    start, end = props.get("start_datetime"), props.get("end_datetime")
    zoned = dict(tz=tz, acquired_given=acquired_given)
    start = _zoned(start, "start_datetime", iid, where, **zoned) if start else None
    end = _zoned(end, "end_datetime", iid, where, **zoned) if end else None
    if start and end and end < start:
        raise InputError(f"STAC Item {iid}: end_datetime is before start_datetime", where=where)
    if when:
        when = _zoned(when, "datetime", iid, where, **zoned)
        if when is not None:
            return when.astimezone(timezone.utc), start, end
    if start is None:
        return None, None, end
    if end is not None and end - start > SHORT_RANGE:
        return None, start, end
    return start, start, end


def item_sensor(item):
    """``platform``, else ``constellation``, else ``instruments``."""
    props = item.get("properties", {})
    sensor = props.get("platform") or props.get("constellation")
    if not sensor and props.get("instruments"):
        sensor = ", ".join(props["instruments"])
    return sensor


def item_asset(item, item_path, *, asset=None):
    """The path of the Item's raster asset (by key, or the rules of the module docstring)."""
    assets = item.get("assets") or {}
    where = str(item_path)
    if asset is not None:
        if asset not in assets:
            raise InputError(f"STAC Item {item.get('id')} has no asset {asset!r}; it has {', '.join(assets) or 'none'}",
                             where=where)
        chosen = assets[asset]
    else:
        chosen = next((assets[k] for k in _ASSET_KEYS if k in assets), None)
        if chosen is None:
            chosen = next((a for a in assets.values() if {"data", "visual"} & set(a.get("roles") or [])), None)
        if chosen is None:
            chosen = next((a for a in assets.values() if str(a.get("type", "")).split(";")[0] in _RASTER_TYPES), None)
        if chosen is None:
            raise InputError(f"STAC Item {item.get('id')} has no raster asset ({', '.join(assets) or 'no assets'}); "
                             "name one, or give the image file with --stac ITEM", where=where)
    href = str(chosen.get("href", ""))
    if href.startswith("file://"):
        href = href[7:]
    if "://" in href:
        raise InputError(f"STAC Item {item.get('id')}: asset href {href} is remote; download it and give the file "
                         "with --stac ITEM", where=where)
    p = Path(href)
    if not p.is_absolute():
        p = (Path(item_path).resolve().parent / p).resolve()
    if not p.exists():
        raise InputError(f"STAC Item {item.get('id')}: asset {href} not found (looked at {p})", where=where)
    return p


def product_from_item(item_path, *, asset=None, tz=None, acquired_given=False, **options):
    """Open the raster asset of a STAC Item file as a product carrying the Item's facts
    (``tz``, ``acquired_given`` as for :func:`item_times`)."""
    from shipsight.imagery.products import open_product

    item = load_item(item_path)
    path = item_asset(item, item_path, asset=asset)
    product = open_product(path, **options)
    apply_item(product, item, where=str(item_path), tz=tz, acquired_given=acquired_given)
    return product


def apply_item(product, item, *, where, tz=None, acquired_given=False):
    """Give a product the Item's id, times and sensor (the Item is the scene's own metadata)."""
    acquired, start, end = item_times(item, where=where, tz=tz, acquired_given=acquired_given)
    product.stac = item
    product.scene_id = item.get("id") or product.scene_id
    if acquired is not None or start is not None:
        product.acquired, product.acquired_source = acquired, "stac"
        product.time_range = (start, end) if start and end else None
    product.sensor = item_sensor(item) or product.sensor
    return product
