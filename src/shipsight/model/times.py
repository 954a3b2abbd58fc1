"""Times: timezone-aware UTC everywhere; no zone is an error unless a zone is named.

Accepted without a layout: every ISO 8601 / RFC 3339 date-time with a zone
designator (``Z``, ``+09``, ``+0900``, ``+09:00``), basic or extended format,
a space or ``T`` between date and time, fractional seconds of any length with
a dot or a comma (ISO 8601-1:2019, 3.2.6), week and ordinal dates. A column is
parsed in one vectorised pass by pandas' ISO 8601 parser (C); only values it
does not take (week or ordinal dates, ``24:00``) go one by one to
:func:`dateutil.parser.isoparse`. Analysts' own layouts are read with a
``strptime`` layout (``time_format``), and ``"epoch"`` reads Unix seconds.

Times are kept to the microsecond: extra digits are dropped (truncated, not
rounded, so an instant never moves into the next microsecond), with a
:class:`~shipsight.errors.ShipsightWarning` saying how many values lost some.
"""

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from shipsight.errors import InputError, ShipsightWarning
from shipsight.model.textmatch import matches as _matches

#: ``time_format`` value that reads Unix epoch seconds (UTC by definition).
EPOCH = "epoch"
EXAMPLE = "2024-03-01T09:30:00Z"

# A time of day followed by a zone designator: Z, +hh, +hhmm, +hh:mm (a space
# before the offset is tolerated, as some exports write it). Dates alone never
# match, so the '-05' of '2024-03-05' is not taken for an offset.
_HAS_ZONE = r"[T\s]\d{2}(?::?\d{2}){0,2}(?:[.,]\d+)?\s?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
# More than six fractional digits, a non-zero one past the sixth: precision lost.
_SUB_MICRO = r"[.,]\d{6}\d*[1-9]"
# Spreadsheet display forms such as 05/03/2024 14:22, where day and month cannot be told apart.
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b")
# Unix seconds past this are beyond nanosecond times (2262-04-11), where numpy would wrap them
# silently; milliseconds (1.7e12 today) are far past it.
_EPOCH_MAX_S = 9_223_372_036
# A year-first date and a time whose hours, minutes or seconds have one digit: cut short
# (2024-03-05T14:2) or mistyped, never a zone question. RE2 has no look-ahead, hence (?:$|\D).
_ISO_DATE = r"^[+-]?\d{4}-?\d{1,2}-?\d{1,2}[T\s]"
_SHORT_FIELDS = (("hours", _ISO_DATE + r"(\d)(?:$|\D)"),
                 ("minutes", _ISO_DATE + r"\d{2}:(\d)(?:$|\D)"),
                 ("seconds", _ISO_DATE + r"\d{2}:\d{2}:(\d)(?:$|\D)"))


def zone_of(tz):
    """The zone ``tz`` names (an IANA name, ``UTC`` or ``Z``), or None for None.

    >>> zone_of("Asia/Seoul").key
    'Asia/Seoul'

    Raises
    ------
    InputError
        The name is not a known zone.
    """
    if tz is None:
        return None
    if str(tz).strip().upper() in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(str(tz).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {tz!r}; use an IANA name such as UTC or Asia/Vladivostok",
                         where="--tz") from None


@dataclass(frozen=True)
class ParsedTimes:
    """A parsed column of times.

    Attributes
    ----------
    times : pandas.Series
        ``datetime64[us, UTC]``; NaT where parsing failed.
    bad : numpy.ndarray of bool
        True where a value is missing or could not be read.
    reasons : numpy.ndarray of object
        Why each bad value was refused (None where good), one line naming the
        value and how to mend it.
    truncated : int
        How many values had digits beyond the microsecond, dropped.
    """

    times: pd.Series
    bad: np.ndarray
    reasons: np.ndarray
    truncated: int


def parse_times(values, *, tz=None, time_format=None, warn=True):
    """Parse a column of times into UTC.

    Parameters
    ----------
    values : sequence or pandas.Series
        Text (or datetimes) of one column; blank entries are refused as missing.
    tz : str, optional
        IANA zone of values written without one. A zone in the value always
        wins; without ``tz`` a zone-less value is refused.
    time_format : str, optional
        A :func:`~datetime.datetime.strptime` layout for the whole column (e.g.
        ``%d/%m/%Y %H:%M``; with ``%z`` the values carry their offset), or
        ``"epoch"`` for Unix seconds (UTC). Default: ISO 8601 / RFC 3339.
    warn : bool
        Issue a :class:`~shipsight.errors.ShipsightWarning` when digits past the
        microsecond were dropped.

    Returns
    -------
    ParsedTimes

    Raises
    ------
    InputError
        ``tz`` is not a known zone.

    Examples
    --------
    >>> p = parse_times(["2024-03-05 14:22:00+09", "2024-03-05T05:22:00.1234567Z", "2024-03-05 05:22"])
    >>> [str(t) for t in p.times]
    ['2024-03-05 05:22:00+00:00', '2024-03-05 05:22:00.123456+00:00', 'NaT']
    >>> p.truncated, p.reasons[2]
    (1, "time '2024-03-05 05:22' has no time zone; add one (2024-03-01T09:30:00Z) or say which with --tz")
    >>> parse_times(["05/03/2024 14:22"], time_format="%d/%m/%Y %H:%M", tz="UTC").times[0]
    Timestamp('2024-03-05 14:22:00+0000', tz='UTC')
    >>> parse_times(["1709648520"], time_format="epoch").times[0]
    Timestamp('2024-03-05 14:22:00+0000', tz='UTC')
    """
    zone = zone_of(tz)
    raw = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    if pd.api.types.is_datetime64_any_dtype(raw):
        # A typed column (a GIS file's datetime field): no text to read.
        return _from_datetimes(raw, zone, tz)
    if raw.dtype == object:
        # Single values from Python (an edit, 'log --time') may come as datetimes.
        raw = raw.map(lambda v: v.isoformat() if isinstance(v, datetime) else v)
    n = len(raw)
    text = raw.astype("string").str.strip()
    text = text.mask(text.str.lower().isin(["", "nan", "nat", "none", "null"]))
    # UTC instants as naive datetime64: numpy arrays, where pandas' tz-aware Series would box each value.
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    reasons = np.full(n, None, dtype=object)
    given = text.notna().to_numpy()

    if time_format is None:
        _parse_iso(text, zone, tz, out, reasons)
    elif str(time_format).strip().lower() == EPOCH:
        _parse_epoch(text, out, reasons)
    else:
        _parse_layout(text, str(time_format), zone, tz, out, reasons)

    truncated = _count_sub_micro(text, min_length=1 if time_format is not None else 23)
    if truncated and warn:
        warnings.warn(f"{truncated} time{'s' * (truncated > 1)} had fractional seconds beyond the microsecond; "
                      "kept to the microsecond (truncated)", ShipsightWarning, stacklevel=2)
    times = pd.Series(out).dt.floor("us").dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    reasons[~given] = f"time is missing; write it as {EXAMPLE}"
    bad = np.isnat(out)
    for i in np.flatnonzero(bad & (reasons == None)):  # noqa: E711  (an object array: None compares elementwise)
        reasons[i] = f"time {text.iat[i]!r} cannot be read; write it as {EXAMPLE}"
    return ParsedTimes(times=times, bad=bad, reasons=reasons, truncated=truncated)


def _from_datetimes(series, zone, tz):
    """Datetimes from a typed column (a GIS datetime field): zone-less ones need ``tz``."""
    n = len(series)
    reasons = np.full(n, None, dtype=object)
    if series.dt.tz is not None:
        out = _utc(series)
    elif zone is None:
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        for i in np.flatnonzero(series.notna().to_numpy()):
            reasons[i] = _no_zone_reason(series.iat[i].isoformat())
    else:
        out = _localize(series, zone, tz, series.astype("string"), np.arange(n), reasons)
    reasons[series.isna().to_numpy()] = f"time is missing; write it as {EXAMPLE}"
    times = pd.Series(out).dt.floor("us").dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    return ParsedTimes(times=times, bad=np.isnat(out), reasons=reasons, truncated=0)


def _dst_reason(value, tz):
    return (f"time {str(value)!r} does not exist or occurs twice in {tz} (a daylight-saving change); "
            "write it with its UTC offset")


def _range_reason(value):
    return f"time {str(value)!r} is not between the years {_MIN_YEAR} and {_MAX_YEAR}"


def _short_fields(upper, text, reasons):
    """Mark values whose hours, minutes or seconds have one digit as malformed; True where marked."""
    marked = np.zeros(len(upper), dtype=bool)
    for name, pattern in _SHORT_FIELDS:
        hit = _matches(upper, pattern) & ~marked
        for i in np.flatnonzero(hit):
            digit = re.match(pattern, upper.iat[i]).group(1)
            reasons[i] = (f"time {text.iat[i]!r} is malformed or truncated: its {name} ({digit!r}) need two "
                          f"digits; write it as {EXAMPLE}")
        marked |= hit
    return marked


def _no_zone_reason(value):
    return f"time {value!r} has no time zone; add one ({EXAMPLE}) or say which with --tz"


def _count_sub_micro(text, *, min_length):
    """How many values have a non-zero digit past the sixth fractional one; only values of at least
    ``min_length`` characters are searched (an ISO 8601 one is 23 at least: 20240305T052200.1234567)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.astype("string"), type=pa.string())
    long = pc.fill_null(pc.greater_equal(pc.utf8_length(arr), min_length), False)
    if not pc.any(long).as_py():
        return 0
    hits = pc.match_substring_regex(pc.filter(arr, long), _SUB_MICRO)
    return int(pc.sum(pc.fill_null(hits, False)).as_py() or 0)


def _utc(parsed):
    """A parsed Series as naive UTC ``datetime64[ns]`` values."""
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return _in_range(parsed).to_numpy(dtype="datetime64[ns]")


def _in_range(parsed):
    """Parsed times (Series) with those beyond nanosecond times as NaT: numpy would wrap them silently
    to another date; NaT sends them to the one-by-one pass, which refuses them with a reason."""
    return parsed.where(parsed.isna() | parsed.dt.year.between(_MIN_YEAR, _MAX_YEAR))


def _localize(parsed, zone, tz, text, positions, reasons):
    """Zone-less parsed times (Series) read in ``zone``: UTC values; DST gaps and overlaps refused."""
    inside = _in_range(parsed)
    local = inside.astype("datetime64[ns]").dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    for i in positions[(inside.isna() & parsed.notna()).to_numpy()]:
        reasons[i] = _range_reason(text.iat[i])
    for i in positions[(local.isna() & inside.notna()).to_numpy()]:
        reasons[i] = _dst_reason(text.iat[i], tz)
    return _utc(local)


def _parse_iso(text, zone, tz, out, reasons):
    """ISO 8601 / RFC 3339 values into ``out``; reasons for the ones refused."""
    upper = text.str.upper()
    # ISO 8601 allows a comma as the decimal sign of the seconds; pandas reads only the dot.
    comma = _matches(upper, ",")
    if comma.any():
        upper = upper.where(~comma, upper.str.replace(r"(\d),(\d)", r"\1.\2", regex=True))
    malformed = _short_fields(upper, text, reasons)
    zoned = _matches(upper, _HAS_ZONE) & ~malformed
    given = upper.notna().to_numpy() & ~malformed
    if zoned.all():
        out[:] = _utc(pd.to_datetime(upper, format="ISO8601", utc=True, errors="coerce"))
    elif zoned.any():
        out[zoned] = _utc(pd.to_datetime(upper[zoned], format="ISO8601", utc=True, errors="coerce"))
    naive = given & ~zoned
    if naive.any():
        positions = np.flatnonzero(naive)
        parsed = pd.to_datetime(upper[naive], format="ISO8601", errors="coerce")
        if zone is not None:
            out[naive] = _localize(parsed, zone, tz, text, positions, reasons)
        else:
            for i in positions[parsed.notna().to_numpy()]:
                reasons[i] = _no_zone_reason(text.iat[i])
    # What pandas could not read (week and ordinal dates, 24:00): one by one, they are rare.
    for i in np.flatnonzero(given & np.isnat(out) & (reasons == None)):  # noqa: E711
        value = text.iat[i]
        when = _isoparse(value)
        if when is None:
            reasons[i] = _unreadable_reason(value)
        elif not _MIN_YEAR <= when.year <= _MAX_YEAR:
            reasons[i] = _range_reason(value)
        elif when.tzinfo is None and zone is None:
            reasons[i] = _no_zone_reason(value)
        elif when.tzinfo is None:
            out[i:i + 1] = _localize(pd.Series([pd.Timestamp(when)]), zone, tz, text.iloc[i:i + 1],
                                     np.array([i]), reasons)
        else:
            out[i] = np.datetime64(when.astimezone(timezone.utc).replace(tzinfo=None), "ns")


#: Years a time may have: those of pandas' nanosecond times (1677-09-21 to 2262-04-11), whole years.
_MIN_YEAR, _MAX_YEAR = 1678, 2261


def _isoparse(value):
    from dateutil.parser import isoparse

    try:
        return isoparse(value.replace(" ", "T", 1) if "T" not in value.upper() else value)
    except (ValueError, OverflowError):
        return None


def _unreadable_reason(value):
    m = _DAY_MONTH.match(value)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a <= 12 and b <= 12 and a != b:
            why = f"day and month are ambiguous ({a} {_MONTHS[b - 1]} or {b} {_MONTHS[a - 1]}?)"
        else:
            why = "it is a spreadsheet's display form"
        sep = value[m.end(1)]
        layout = f"%d{sep}%m{sep}%Y" if len(m.group(3)) == 4 else f"%d{sep}%m{sep}%y"
        rest = value[m.end(3):].strip()
        if rest:
            layout += " %H:%M" + (":%S" if rest.count(":") >= 2 else "")
        return (f"time {value!r} is not ISO 8601 and {why}; give its layout, e.g. --time-format '{layout}' "
                f"(or '{layout.replace('%d', '#').replace('%m', '%d').replace('#', '%m')}'), and --tz")
    return (f"time {value!r} is not ISO 8601; write it as {EXAMPLE}, or give its layout with --time-format "
            "(a strptime layout such as '%d/%m/%Y %H:%M', or epoch for Unix seconds)")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _parse_epoch(text, out, reasons):
    """Unix seconds, the fraction read from its digits (a float64 would blur the microseconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    seconds = pd.to_numeric(text, errors="coerce").astype("float64")
    huge = (seconds.abs() > _EPOCH_MAX_S).to_numpy()
    ok = seconds.notna().to_numpy() & ~huge
    found = pc.extract_regex(pa.array(text.astype("string"), type=pa.string()),
                             r"^(?P<sign>[+-]?)(?P<whole>\d+)(?:\.(?P<frac>\d*))?$")
    decimal = pc.fill_null(pc.is_valid(found), False).to_numpy(zero_copy_only=False) & ok
    if decimal.any():
        whole = pc.cast(pc.filter(found.field("whole"), decimal), pa.int64()).to_numpy()
        frac = pc.utf8_rpad(pc.utf8_slice_codeunits(pc.filter(found.field("frac"), decimal), 0, 9), 9, "0")
        ns = whole * 1_000_000_000 + pc.cast(frac, pa.int64()).to_numpy()
        negative = pc.equal(pc.filter(found.field("sign"), decimal), "-").to_numpy(zero_copy_only=False)
        out[decimal] = np.where(negative, -ns, ns).astype("datetime64[ns]")
    rest = ok & ~decimal  # exponent forms such as 1.7e9
    if rest.any():
        out[rest] = _utc(pd.to_datetime(seconds[rest], unit="s", utc=True, errors="coerce"))
    for i in np.flatnonzero(huge):
        reasons[i] = f"time {text.iat[i]!r} is too large for Unix seconds; is it milliseconds? divide by 1000"
    for i in np.flatnonzero(text.notna().to_numpy() & seconds.isna().to_numpy()):
        reasons[i] = f"time {text.iat[i]!r} is not a number of Unix seconds (--time-format epoch)"


def _parse_layout(text, layout, zone, tz, out, reasons):
    has_zone = "%z" in layout or "%Z" in layout
    if not has_zone and zone is None:
        for i in np.flatnonzero(text.notna().to_numpy()):
            reasons[i] = (f"time {text.iat[i]!r} has no time zone (the layout {layout!r} has no %z); "
                          "say which with --tz")
        return
    try:
        parsed = pd.to_datetime(text, format=layout, errors="coerce", utc=has_zone)
    except ValueError as exc:
        raise InputError(f"{layout!r} is not a strptime layout ({exc}); e.g. '%d/%m/%Y %H:%M'",
                         where="--time-format") from None
    if has_zone:
        out[:] = _utc(parsed)
        for i in np.flatnonzero(parsed.notna().to_numpy() & np.isnat(out)):
            reasons[i] = _range_reason(text.iat[i])
    else:
        out[:] = _localize(parsed, zone, tz, text, np.arange(len(text)), reasons)
    for i in np.flatnonzero(text.notna().to_numpy() & parsed.isna().to_numpy()):
        reasons[i] = f"time {text.iat[i]!r} does not match --time-format {layout!r}"


def to_utc_series(values, *, tz=None, time_format=None):
    """Parse a column of times into ``datetime64[us, UTC]``: see :func:`parse_times`.

    Returns the series and a boolean mask of the entries that failed
    (unparseable, or without a zone when ``tz`` is None); failed entries are NaT.
    Blank entries fail too: a sighting needs a time.

    >>> s, bad = to_utc_series(pd.Series(["2024-01-01T00:00:00Z", "2024-01-01 09:00"]))
    >>> bad.tolist()
    [False, True]
    """
    parsed = parse_times(values, tz=tz, time_format=time_format)
    return parsed.times, parsed.bad


def parse_time(value, *, tz=None, time_format=None):
    """Parse one time into an aware UTC :class:`datetime` (forms as :func:`parse_times`).

    A time without a zone is refused unless ``tz`` names the zone it is in.

    >>> parse_time("2024-03-01T09:30:00+09:00").isoformat()
    '2024-03-01T00:30:00+00:00'
    >>> parse_time("2024-03-01 09:30:00+09").isoformat()
    '2024-03-01T00:30:00+00:00'
    >>> parse_time("2024-03-01 00:30", tz="UTC").isoformat()
    '2024-03-01T00:30:00+00:00'

    Raises
    ------
    InputError
        Unreadable, or without a zone and no ``tz``.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            zone = zone_of(tz)
            if zone is None:
                raise InputError(_no_zone_reason(value.isoformat()))
            value = pd.Timestamp(value).tz_localize(zone).to_pydatetime()
        return value.astimezone(timezone.utc)
    parsed = parse_times([value], tz=tz, time_format=time_format)
    if parsed.bad[0]:
        raise InputError(parsed.reasons[0])
    return parsed.times.iat[0].to_pydatetime()
