"""Times: timezone-aware UTC everywhere; no zone is an error unless a zone is named."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from shipsight.errors import InputError


def _zone(tz):
    if tz is None:
        return None
    if tz.upper() in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {tz!r}; use an IANA name such as UTC or Asia/Vladivostok") from None


def parse_time(value, *, tz=None):
    """Parse an ISO 8601 time into an aware UTC :class:`datetime`.

    A time without a zone is refused unless ``tz`` names the zone it is in.

    >>> parse_time("2024-03-01T09:30:00+09:00").isoformat()
    '2024-03-01T00:30:00+00:00'
    >>> parse_time("2024-03-01 00:30", tz="UTC").isoformat()
    '2024-03-01T00:30:00+00:00'
    """
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise InputError(f"time {value!r} is not ISO 8601; write it as 2024-03-01T09:30:00Z") from None
    if dt.tzinfo is None:
        zone = _zone(tz)
        if zone is None:
            raise InputError(
                f"time {value!r} has no time zone; add one (2024-03-01T09:30:00Z) or say which with --tz"
            )
        dt = dt.replace(tzinfo=zone)
    return dt.astimezone(timezone.utc)


def to_utc_series(values, *, tz=None):
    """Parse a column of ISO 8601 times into ``datetime64[us, UTC]``.

    Returns the series and a boolean mask of the entries that failed
    (unparseable, or without a zone when ``tz`` is None); failed entries are NaT.
    Blank entries fail too: a sighting needs a time.

    >>> s, bad = to_utc_series(pd.Series(["2024-01-01T00:00:00Z", "2024-01-01 09:00"]))
    >>> bad.tolist()
    [False, True]
    """
    text = pd.Series(values, dtype="object").astype("string").str.strip()
    has_zone = text.str.contains(r"(?:[zZ]|[+-]\d{2}:?\d{2})$", regex=True, na=False)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    zoned = pd.to_datetime(text.where(has_zone), utc=True, errors="coerce", format="ISO8601")
    out[has_zone] = zoned[has_zone]
    if tz is not None:
        zone = _zone(tz)
        naive = pd.to_datetime(text.where(~has_zone), errors="coerce", format="ISO8601")
        local = naive.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        out[~has_zone] = local[~has_zone]
    return out.astype("datetime64[us, UTC]"), out.isna().to_numpy()
