"""A ``.SAFE`` product as ESA ships it: a folder, or a zip holding one.

Both are read in place: files by name relative to the SAFE root, rasters
through GDAL (``/vsizip/`` for a zip), nothing unpacked.
"""

import re
import zipfile
from pathlib import Path

from shipsight.errors import InputError

__all__ = ["Safe", "find_safe"]

_SAFE_NAME = re.compile(r"^(S[12][A-D])_.*\.SAFE$", re.IGNORECASE)


class Safe:
    """Files of one SAFE product, by path relative to its root (``annotation/...``)."""

    def __init__(self, root, *, zip_path=None, prefix=""):
        self.root = root  # the SAFE folder (or its name inside the zip)
        self.zip_path = zip_path
        self.prefix = prefix
        if zip_path is not None:
            with zipfile.ZipFile(zip_path) as z:
                names = [n[len(prefix):] for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")]
        else:
            base = Path(root)
            names = [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()]
        self.names = sorted(names)

    @property
    def name(self):
        """The product name, e.g. ``S1A_IW_GRDH_1SDV_..._1C2D.SAFE``."""
        return Path(str(self.root).rstrip("/")).name

    @property
    def source(self):
        """The path the user gave: the zip, or the SAFE folder."""
        return str(self.zip_path or self.root)

    def glob(self, pattern):
        """Names matching a regular expression (searched, case-insensitive)."""
        rx = re.compile(pattern, re.IGNORECASE)
        return [n for n in self.names if rx.search(n)]

    def read(self, name):
        """The bytes of one file."""
        if self.zip_path is not None:
            with zipfile.ZipFile(self.zip_path) as z:
                return z.read(self.prefix + name)
        return (Path(self.root) / name).read_bytes()

    def raster(self, name):
        """A path GDAL opens for a raster of the product."""
        if self.zip_path is not None:
            return f"/vsizip/{self.zip_path}/{self.prefix}{name}"
        return str(Path(self.root) / name)


def find_safe(path):
    """The :class:`Safe` a path is, or holds, or lies in; None when it is none of these.

    Accepts a ``.SAFE`` folder, a zip whose top folder is one, or a file
    inside a SAFE folder (a measurement TIFF, a band JP2).

    Raises
    ------
    InputError
        A zip that holds no SAFE product.
    """
    p = Path(path)
    if p.is_dir():
        if (p / "manifest.safe").is_file() or _SAFE_NAME.match(p.name) or (p / "measurement").is_dir():
            return Safe(p.resolve())
        return None
    if zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as z:
            tops = {n.split("/")[0] for n in z.namelist() if "/" in n}
        safes = sorted(t for t in tops if t.upper().endswith(".SAFE"))
        if not safes:
            shown = ", ".join(sorted(tops)[:3]) or "no folders"
            raise InputError(f"is a zip of something else ({shown}), not a Sentinel .SAFE product; give the product "
                             "zip as downloaded, its unpacked .SAFE folder, or a raster file", where=str(p))
        return Safe(safes[0], zip_path=str(p.resolve()), prefix=safes[0] + "/")
    for parent in list(p.resolve().parents)[:6]:
        if parent.name.upper().endswith(".SAFE") or (parent / "manifest.safe").is_file():
            return Safe(parent)
    return None
