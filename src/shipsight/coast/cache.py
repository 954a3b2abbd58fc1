"""The local tile cache of GSHHG land polygons: built once from roaring-landmask, read by tile.

roaring-landmask ships the GSHHG full-resolution shorelines (level 1, land)
inside its wheel, readable only all at once (``Shapes.wkb``: 150 MB of WKB,
3-5 s and some 800 MB to load). Scenes, reports and distance-to-shore
questions each need the few kilometres of coast around them, so the polygons
are cut once into pieces no larger than a :data:`TILE_DEG` degree tile and
written to a FlatGeobuf file (its packed Hilbert R-tree lets a reader fetch
only the pieces a box touches) in the user's cache folder.

The file is named for what it holds: the land source's name and version and
this module's :data:`CACHE_FORMAT`
(``gshhg-land-roaring-landmask-0.11.0-format1.fgb``), never for where that
source is installed, so every virtualenv with the same roaring-landmask shares
one cache and another version, or another cutting, builds a new one. It is
written under a temporary name of its own and renamed over the final name
(atomic on one file system), so a reader never sees half a file and two
processes building at once do no harm: the last rename wins, both files whole.
"""

import hashlib
import os
import re
import secrets
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

from shipsight.errors import InputError

#: The largest piece, in degrees of longitude and latitude: a tile of the cache.
TILE_DEG = 1.0
#: What :func:`cache_path` names the cache folder after.
CACHE_ENV = "SHIPSIGHT_CACHE_DIR"
#: The layout of the cache file (tiling, columns): bump it when either changes, and
#: every install builds a new file.
CACHE_FORMAT = 1
#: The land source: its distribution name, and the module that holds its data.
SOURCE = ("roaring-landmask", "roaring_landmask")


def cache_dir():
    """The folder of shipsight's caches: ``$SHIPSIGHT_CACHE_DIR``, else ``$XDG_CACHE_HOME/shipsight``,
    else ``~/.cache/shipsight`` (the XDG Base Directory default)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "shipsight"


def source_key():
    """What identifies the land data the cache is built from, without loading it.

    Returns
    -------
    str
        ``"<source>-<version>"``, e.g. ``"roaring-landmask-0.11.0"``: the
        distribution's name and version from its installed metadata. Only
        when there is no such metadata (a source checkout on ``sys.path``)
        the names and sizes of the module's files stand in for the version --
        never their install path or modification times, which differ in every
        virtualenv.

    Raises
    ------
    InputError
        roaring-landmask is not installed.

    Examples
    --------
    >>> source_key().startswith("roaring-landmask-")
    True
    """
    dist, module = SOURCE
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"{dist} is not installed; the GSHHG coastline comes from it (pip install {dist})")
    try:
        release = version(dist)
    except PackageNotFoundError:
        folder = Path(next(iter(spec.submodule_search_locations)))
        files = "|".join(f"{p.name}:{p.stat().st_size}" for p in sorted(folder.iterdir()) if p.is_file())
        release = "unreleased-" + hashlib.sha256(files.encode()).hexdigest()[:12]
    return f"{dist}-{release}"


def cache_path():
    """Where the tile cache of the installed land source lives (it may not be built yet).

    ``<cache_dir()>/gshhg-land-<source_key()>-format<CACHE_FORMAT>.fgb``, the
    key made safe for a file name.

    Examples
    --------
    >>> cache_path().name.startswith("gshhg-land-roaring-landmask-")
    True
    """
    key = re.sub(r"[^A-Za-z0-9._+-]", "_", source_key())
    return cache_dir() / f"gshhg-land-{key}-format{CACHE_FORMAT}.fgb"


def ensure_cache(*, progress=None):
    """The tile cache's path, built first if it is missing (a minute or so, once).

    ``progress(done, total)`` follows the build, in land polygons cut.
    """
    path = cache_path()
    if not path.exists():
        build_cache(path, progress=progress)
    return path


def build_cache(path, *, progress=None):
    """Cut roaring-landmask's GSHHG land polygons into tile pieces and write them to ``path``.

    Each polygon that fits in one tile is kept whole; the others are cut in
    halves along tile lines, again and again, until each piece fits in one
    (a continent costs a few times its own size, not once per tile). Pieces
    are clipped with GEOS' rectangle clipping and repaired where that left
    them invalid. The union of the pieces is the original land.
    """
    import numpy as np
    import pyogrio.raw
    import shapely
    from roaring_landmask import LandmaskProvider, Shapes

    polys = shapely.get_parts(shapely.from_wkb(Shapes.wkb(LandmaskProvider.Gshhg)))
    pieces = _cut_to_tiles(polys, TILE_DEG, progress=progress)
    del polys
    bad = ~shapely.is_valid(pieces)
    if bad.any():
        pieces[bad] = shapely.make_valid(pieces[bad])
    pieces = shapely.get_parts(pieces)
    pieces = pieces[(shapely.get_type_id(pieces) == 3) & ~shapely.is_empty(pieces)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name no other builder uses, even a thread of this process; the driver needs the
    # .fgb extension (else it writes a folder).
    tmp = path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(6)}.tmp.fgb")
    try:
        pyogrio.raw.write(tmp, np.asarray(shapely.to_wkb(pieces)), [], [], driver="FlatGeobuf", crs="EPSG:4326",
                          geometry_type="Polygon", layer="land", SPATIAL_INDEX="YES")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _cut_to_tiles(polys, size, *, progress=None):
    """Pieces of ``polys``, each within one ``size``-degree tile (tile edges on multiples of ``size``)."""
    import numpy as np
    import shapely

    b = shapely.bounds(polys)
    x0, y0 = np.floor(b[:, 0] / size), np.floor(b[:, 1] / size)
    x1 = np.maximum(np.ceil(b[:, 2] / size), x0 + 1)
    y1 = np.maximum(np.ceil(b[:, 3] / size), y0 + 1)
    whole = (x1 - x0 == 1) & (y1 - y0 == 1)
    out = [polys[whole]]
    big = np.flatnonzero(~whole)
    total = len(big)
    for done, i in enumerate(big, 1):
        # A stack of (piece, cell in tile units); a cell larger than a tile is halved.
        stack = [(polys[i], x0[i], y0[i], x1[i], y1[i])]
        while stack:
            geom, cx0, cy0, cx1, cy1 = stack.pop()
            if cx1 - cx0 <= 1 and cy1 - cy0 <= 1:
                out.append(np.array([geom], dtype=object))
                continue
            if cx1 - cx0 >= cy1 - cy0:
                mid = np.floor((cx0 + cx1) / 2)
                halves = [(cx0, cy0, mid, cy1), (mid, cy0, cx1, cy1)]
            else:
                mid = np.floor((cy0 + cy1) / 2)
                halves = [(cx0, cy0, cx1, mid), (cx0, mid, cx1, cy1)]
            for hx0, hy0, hx1, hy1 in halves:
                half = shapely.clip_by_rect(geom, hx0 * size, hy0 * size, hx1 * size, hy1 * size)
                if half.is_empty or shapely.area(half) == 0:
                    continue
                # Shrink the cell to what the piece covers: open sea is never cut again.
                hb = half.bounds
                nx0, ny0 = max(hx0, np.floor(hb[0] / size)), max(hy0, np.floor(hb[1] / size))
                nx1, ny1 = min(hx1, max(np.ceil(hb[2] / size), nx0 + 1)), min(hy1, max(np.ceil(hb[3] / size), ny0 + 1))
                stack.append((half, nx0, ny0, nx1, ny1))
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)
    return np.concatenate(out)
