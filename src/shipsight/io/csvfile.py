"""CSV files as spreadsheets write them: delimiter, encoding and byte-order mark found, not assumed.

The delimiter (``,`` ``;`` tab ``|``) is found by :class:`csv.Sniffer` from
the standard library on the first lines: it weighs how consistently each
candidate splits the lines and recognises quoted fields, which is what tells
``"130,2985","42,2452"`` (a comma-separated file with decimal commas) from a
``;``-separated one. Its choice is kept only if it splits the header.

Text is UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" writes
one), or in the encoding the user names. Anything else is refused with the
row of the first undecodable byte and, as a hint, the encoding that
charset-normalizer finds most likely: a guessed encoding would store wrong
names silently, so it is never used without being asked for.
"""

import codecs
import csv
from pathlib import Path

import pandas as pd

from shipsight.errors import InputError

#: Delimiters looked for, in the order ties are broken.
DELIMITERS = (",", ";", "\t", "|")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SAMPLE_BYTES = 64 * 1024


def delimiter_name(delimiter):
    """``;`` -> ``semicolon``: how a delimiter is named in messages."""
    return _NAMES.get(delimiter, repr(delimiter))


def check_encoding(encoding):
    """The codec name ``encoding`` stands for, or InputError naming the option.

    >>> check_encoding("CP1251")
    'cp1251'
    """
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}; use a name such as utf-8, cp1252, cp1251 or latin-1",
                         where="--encoding") from None


def _bom_encoding(head):
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def sniff_delimiter(sample):
    """The delimiter of a CSV sample (text of its first lines).

    >>> sniff_delimiter('time;lon;lat\\n2024-03-05T14:22:00Z;130,2985;42,2452\\n')
    ';'
    >>> sniff_delimiter('time,lon,lat\\n2024-03-05T14:22:00Z,"130,2985","42,2452"\\n')
    ','
    """
    lines = sample.splitlines()
    header = lines[0] if lines else ""
    try:
        found = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        found = None
    if found in DELIMITERS and found in header:
        return found
    # One line, or lines the Sniffer found no consistent pattern in: the header decides.
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode_error(path, raw, encoding, exc):
    row = raw.count(b"\n", 0, exc.start) + 1
    byte = raw[exc.start:exc.start + 1].hex()
    hint = ""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[: 1 << 20]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            hint = f"; it looks like {best.encoding.replace('_', '-')}"
    except ImportError:  # the hint is a courtesy
        pass
    what = "UTF-8" if encoding.startswith("utf-8") else encoding
    return InputError(f"is not {what} text (byte 0x{byte}){hint}: save it as 'CSV UTF-8', or give the encoding "
                      f"with --encoding (e.g. --encoding cp1252)", where=f"{path}, row {row}")


def read_csv_text(path, *, encoding=None, delimiter=None):
    """Read a CSV file as text columns, finding its delimiter and checking its encoding.

    Parameters
    ----------
    path : path
    encoding : str, optional
        The file's encoding; default UTF-8 (a byte-order mark is honoured).
    delimiter : str, optional
        Default: found by :func:`sniff_delimiter`.

    Returns
    -------
    pandas.DataFrame
        Every cell as text ('' when empty), header names as written.
        ``attrs["delimiter"]`` and ``attrs["encoding"]`` say how it was read.

    Raises
    ------
    InputError
        Not text in that encoding (with the row of the first bad byte), or rows
        that do not split into the header's columns.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "wb").write(b"\\xef\\xbb\\xbfTime;Lon;Lat\\r\\n2024-03-05T14:22:00Z;130,2985;42,2452\\r\\n")
    >>> df = read_csv_text(p)
    >>> list(df.columns), df.attrs["delimiter"], df.iloc[0, 1]
    (['Time', 'Lon', 'Lat'], ';', '130,2985')
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(_SAMPLE_BYTES)
    if not head.strip():
        raise InputError("is empty", where=str(path))
    enc = check_encoding(encoding) if encoding else (_bom_encoding(head) or "utf-8")
    if enc in ("utf-8", "utf_8") and head.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    sample = head.decode(enc, errors="replace")
    sep = delimiter or sniff_delimiter(sample.lstrip("\ufeff"))
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=enc, skipinitialspace=True,
                         quotechar='"')
    except UnicodeDecodeError:
        raw = path.read_bytes()
        try:
            raw.decode(enc)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, raw, enc, exc) from None
        raise  # pandas failed where Python did not: our bug
    except pd.errors.ParserError as exc:
        raise InputError(f"is not a readable {delimiter_name(sep)}-separated CSV ({str(exc).splitlines()[0]})",
                         where=str(path)) from None
    except pd.errors.EmptyDataError:
        raise InputError("holds no header or rows", where=str(path)) from None
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    df.attrs.update(delimiter=sep, encoding=enc)
    return df


def describe_columns(df):
    """How a header was read, for messages: the columns found and the delimiter used.

    >>> describe_columns(pd.DataFrame(columns=["time;lon;lat"]))
    "found 1 column ('time;lon;lat'); it looks semicolon-separated"
    """
    cols = ", ".join(repr(str(c)) for c in df.columns)
    text = f"found {len(df.columns)} column{'s' * (len(df.columns) != 1)} ({cols})"
    sep = df.attrs.get("delimiter")
    if sep:
        text += f" reading it as {delimiter_name(sep)}-separated"
    if len(df.columns) == 1:
        inside = [d for d in DELIMITERS if d in str(df.columns[0])]
        if inside:
            text += f"; it looks {delimiter_name(inside[0])}-separated"
    return text

