"""Does text decoded in one encoding look like it was meant in another (mojibake)?

Used where a file does not say its encoding (a Shapefile without ``.cpg``,
which GDAL then reads as ISO-8859-1). Two signs, cheapest first:

- the ISO-8859-1 text re-encoded is valid UTF-8 with non-ASCII characters:
  UTF-8 read as Latin-1 (``Ð¢ÐµÑ...``);
- most letters of a word are accented Latin-1 letters (``Òåñòîâûé``), which
  real Western European names never are, since accents sit among ASCII letters.

The encoding it more likely is comes from charset-normalizer, which scores
candidate decodings by how plausible their letters are for a language.
"""

import re
import warnings

from shipsight.errors import ShipsightWarning

# Letters of the Latin-1 Supplement (À-ÿ, without × and ÷).
_ACCENTED = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
_LETTERS = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")


def looks_like_mojibake(texts, *, read_as="latin-1"):
    """The encoding the texts were more likely written in, or None when they look right.

    Parameters
    ----------
    texts : iterable of str
        Values as decoded with ``read_as``.
    read_as : str
        The encoding they were decoded with.

    Returns
    -------
    tuple of (str, str) or None
        ``(encoding, example)``: the likelier encoding and the first text read in it.

    Examples
    --------
    >>> looks_like_mojibake(["Òåñòîâûé òåðìèíàë", "Òåñòîâàÿ ãàâàíü"])
    ('cp1251', 'Тестовый терминал')
    >>> looks_like_mojibake(["São Tomé", "Ålesund", "Victoria"]) is None
    True
    """
    odd = [t for t in texts if isinstance(t, str) and not t.isascii()][:500]
    if not odd:
        return None
    try:
        raw = [t.encode(read_as) for t in odd]
    except UnicodeEncodeError:
        return None  # not text that came from that encoding
    try:
        fixed = [r.decode("utf-8") for r in raw]
        return "utf-8", fixed[0]
    except UnicodeDecodeError:
        pass
    suspicious = sum(1 for t in odd if _mostly_accented(t))
    if suspicious * 2 < len(odd):
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(b"\n".join(raw)).best()
    if best is None or best.encoding in ("ascii", "latin_1", "cp1252", "iso8859_15"):
        return None
    return best.encoding, raw[0].decode(best.encoding)


def _mostly_accented(text):
    words = [w for w in re.split(r"\W+", text) if len(_LETTERS.findall(w)) >= 3]
    if not words:
        return False
    return sum(len(_ACCENTED.findall(w)) * 2 > len(_LETTERS.findall(w)) for w in words) * 2 >= len(words)


def warn_if_mojibake(frame, *, where, read_as):
    """Warn (:class:`~shipsight.errors.ShipsightWarning`) when a frame's text columns look like mojibake."""
    for column in frame.columns:
        if column == getattr(frame, "_geometry_column_name", None) or frame[column].dtype.kind not in "OSU" and \
                str(frame[column].dtype) not in ("str", "string"):
            continue
        hit = looks_like_mojibake(frame[column].dropna().tolist(), read_as=read_as)
        if hit:
            encoding, example = hit
            warnings.warn(f"{where}: field {column!r} was read as {read_as} (the file does not say its encoding) "
                          f"and looks like mojibake; as {encoding} it reads {example!r}: give --encoding {encoding} "
                          "if that is right", ShipsightWarning, stacklevel=2)
            return
