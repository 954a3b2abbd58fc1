"""Printing for people (rich tables) and for pipes (JSON, GeoJSON).

numpy, pandas, shapely and rich are imported where they are used: only a
command that prints a frame pays for them.
"""

import functools
import json
import math
import re
from datetime import datetime

import click


@functools.cache
def _plain_converter():
    """The function that makes one value JSON-able, built once with the libraries it tests against."""
    import numpy as np
    import pandas as pd
    import shapely

    def plain(value):
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, (pd.Timestamp, datetime)):
            return value.isoformat().replace("+00:00", "Z")
        if isinstance(value, np.generic):
            return plain(value.item())
        if isinstance(value, (list, tuple, np.ndarray)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, shapely.Geometry):
            return value.wkt
        return value

    return plain


#: Decimals that carry meaning in the fields shipsight prints as JSON, by field name: degrees to 1e-6
#: (about 0.1 m; AIS reports positions to 1/10,000 minute, ITU-R M.1371), speed and course over
#: ground to a tenth (their AIS resolution), metres to a tenth, a scene's pixel size to a centimetre,
#: tonnes, barrels and hours to two decimals; 0 makes a whole number (heading, counts, codes).
DECIMALS = {"sog": 1, "cog": 1, "heading": 0, "nav_status": 0, "msg_type": 0, "positions": 0,
            "gsd_m": 2, "pixel_m": 2, "hours": 2, "hours_apart": 2,
            # Pixel centres to a hundredth of a pixel; backscatter in dB to a hundredth; scores,
            # severities and confidences (0-1 or 0-100) to three decimals, past any difference they rank.
            **dict.fromkeys(["row", "col", "pixel_row", "pixel_col"], 2),
            **dict.fromkeys(["peak", "mean", "background"], 2),
            **dict.fromkeys(["score", "severity", "confidence"], 3),
            **dict.fromkeys(["capacity_t", "deadweight", "deadweight_t", "dwt_t", "gross_tonnage"], 2)}

#: The same by what a name ends with or holds: a name with a ``lon``/``lat`` word (``related_lon``,
#: ``lon0``), metres (``distance_m``, ``area_m2``), barrels (``cap_barrels``).
_DECIMALS_BY_PATTERN = ((re.compile(r"(?:^|_)(?:lon|lat|longitude|latitude)\d*(?:_|$)"), 6),
                        (re.compile(r"_m2?$"), 1), (re.compile(r"_(?:bbl|barrels)$"), 2),
                        (re.compile(r"_deg$"), 3), (re.compile(r"_km2$"), 3))

#: Degrees in a table for people: 1e-5 degree is about a metre of latitude.
TABLE_DEGREE_DECIMALS = 5


@functools.cache
def decimals_of(name):
    """Decimals a number named ``name`` carries when printed, or None: print it as it is (fractions, counts of unknown kind).

    >>> decimals_of("lat"), decimals_of("related_lon"), decimals_of("distance_m"), decimals_of("capacity_t")
    (6, 6, 1, 2)
    >>> decimals_of("latest") is None, decimals_of("severity")
    (True, 3)
    """
    if not isinstance(name, str):
        return None
    if name in DECIMALS:
        return DECIMALS[name]
    return next((d for pattern, d in _DECIMALS_BY_PATTERN if pattern.search(name)), None)


def is_degrees(name):
    """True when a column named ``name`` holds longitudes or latitudes.

    >>> is_degrees("lon"), is_degrees("last_lat_b"), is_degrees("flat")
    (True, True, False)
    """
    return isinstance(name, str) and _DECIMALS_BY_PATTERN[0][0].search(name) is not None


def table_format(name):
    """The format a table gives a number in the column ``name``, or None for the general one.

    Degrees to 5 decimals and fixed (130.30000, not 130.3): the decimals say how exact a position is;
    metres to a tenth with thousands separators, so a column of distances reads as metres.

    >>> table_format("lon").format(130.3), table_format("distance_m").format(80381.744)
    ('130.30000', '80,381.7')
    >>> table_format("confidence") is None
    True
    """
    if is_degrees(name):
        return f"{{:.{TABLE_DEGREE_DECIMALS}f}}"
    d = decimals_of(name)
    if d is not None and name.endswith("_m"):
        return f"{{:,.{d}f}}"
    if name in ("hours", "hours_apart") or name.endswith("_deg"):
        return "{:.1f}"
    return None


def rounded(df, decimals=None, *, whole=True):
    """``df`` with its float columns rounded to ``decimals`` ({column: n}; default :func:`decimals_of` each name), as float64.

    A float32 column then prints as it was written (238.6, not 238.60000610351562);
    with ``whole`` a column rounded to 0 decimals becomes a nullable integer.

    >>> import numpy as np, pandas as pd
    >>> out = rounded(pd.DataFrame({"cog": np.float32([238.6]), "heading": [237.0]}))
    >>> float(out["cog"].iat[0]), str(out["heading"].dtype)
    (238.6, 'Int64')
    """
    if decimals is None:
        decimals = {c: decimals_of(c) for c in df.columns}
    decimals = {c: d for c, d in decimals.items()
                if d is not None and c in df.columns and df[c].dtype.kind == "f"}
    if not decimals:
        return df
    out = df.astype({c: "float64" for c in decimals})
    # + 0.0 turns the -0.0 a tiny negative rounds to into 0.0
    out = out.assign(**{c: out[c].round(d) + 0.0 for c, d in decimals.items()})
    return out.astype({c: "Int64" for c, d in decimals.items() if d == 0}) if whole else out


def presented(obj, decimals=None):
    """``obj`` (JSON-able dicts, lists, numbers) with each float rounded to the decimals its field carries.

    A float takes the decimals of the nearest enclosing key that :func:`decimals_of` knows, else
    of the nearest one named in ``decimals`` ({key: n}: for fields named by their data, such as a
    cap scenario's ``"33%"`` barrels under ``"totals"``), else stays as it is. Numbers stay numbers
    (a rounded float is still a float); only what is printed changes, never what is stored.

    >>> presented({"lat": 42.24527777777778, "cap": {"33%": 7982.370000000001}, "score": 0.61204155508},
    ...           decimals={"cap": 2})
    {'lat': 42.245278, 'cap': {'33%': 7982.37}, 'score': 0.612}
    """
    declared = decimals or {}

    def walk(value, d):
        if isinstance(value, float):
            # + 0.0 turns the -0.0 a tiny negative rounds to into 0.0
            return value if d is None or not math.isfinite(value) else round(value, d) + 0.0
        if isinstance(value, dict):
            return {k: walk(v, _key_decimals(k, d)) for k, v in value.items()}
        if isinstance(value, _Presented):
            return value
        if isinstance(value, (list, tuple)):
            return [walk(v, d) for v in value]
        return value

    def _key_decimals(key, inherited):
        own = decimals_of(key)
        if own is not None:
            return own
        return declared.get(key, inherited)

    return walk(obj, None)


class _Presented(list):
    """Rows :func:`records` has already rounded, column by column: :func:`presented` passes them as they are."""


def records(df):
    """Rows of a frame as JSON-able dicts (geometry dropped; times as ISO 8601 UTC), each float
    column rounded to the decimals its name carries (:func:`decimals_of`; floats stay floats).

    >>> import pandas as pd
    >>> records(pd.DataFrame({"lat": [42.24527777777778], "heading": [25.0], "score": [0.123456789]}))
    [{'lat': 42.245278, 'heading': 25.0, 'score': 0.123}]
    """
    import pandas as pd

    plain = _plain_converter()
    geometry = getattr(df, "_geometry_column_name", None)
    cols = [c for c in df.columns if c != geometry]
    # Rounded a column at a time here, not value by value in presented(): a long list stays fast.
    frame = rounded(pd.DataFrame(df[cols]), whole=False)
    return _Presented({c: plain(v) for c, v in zip(cols, row)} for row in frame.itertuples(index=False, name=None))


def echo_json(obj, *, decimals=None, exact=False):
    """``obj`` as JSON, each number to the decimals its field carries (:func:`presented`).

    ``decimals`` as in :func:`presented`; ``exact`` prints numbers as they are stored (the audit
    log, where an edit in the seventh decimal must show as one).
    """
    if not exact:
        obj = presented(obj, decimals)
    click.echo(json.dumps(obj, indent=None if isinstance(obj, list) and len(obj) > 50 else 2, ensure_ascii=False))


def echo_geojson(gdf):
    """A FeatureCollection with every field as properties (numbers as :func:`records` rounds them;
    coordinates as stored)."""
    import shapely

    props = records(gdf)
    geoms = [json.loads(g) if g else None for g in shapely.to_geojson(gdf.geometry.values).tolist()] if len(gdf) else []
    click.echo(json.dumps({"type": "FeatureCollection",
                           "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in zip(geoms, props)]},
                          ensure_ascii=False))


def _console():
    from rich.console import Console

    stream = click.get_text_stream("stdout")
    # Cells are data, shown as text: no markup ("[b]"), emoji codes (":ship:") or
    # highlighting, which would change what a name says and cost a regex pass per cell.
    return Console(file=stream, width=None if stream.isatty() else 200, soft_wrap=False, markup=False, emoji=False,
                   highlight=False)


def _cell(value, form=None):
    value = _plain_converter()(value)
    if value is None:
        return ""
    if form is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return form.format(value)
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def echo_table(df, columns, *, title=None, formats=None):
    """A table of the named columns for people; 'none' when empty.

    A number prints as :func:`table_format` says for its column (degrees to 5 fixed decimals,
    metres to a tenth), or as ``formats`` ({column: format string}) declares for the columns it
    names; such columns are right-aligned and never folded, so the decimals line up.
    """
    if len(df) == 0:
        click.echo(f"{title}: none" if title else "none")
        return
    from rich.table import Table

    forms = [(formats or {}).get(c) or table_format(c) for c in columns]
    table = Table(title=title, show_lines=False)
    for c, form in zip(columns, forms):
        table.add_column(c, overflow="fold", **({"justify": "right", "no_wrap": True} if form else {}))
    for row in df[list(columns)].itertuples(index=False, name=None):
        table.add_row(*(_cell(v, form) for v, form in zip(row, forms)))
    _console().print(table)


def echo_record(record, *, as_json=False):
    """One record: JSON for pipes (:func:`echo_json`), else one aligned ``field  value`` line per
    field, numbers as a table prints them."""
    if as_json:
        echo_json(record)
        return
    width = max(map(len, record))
    for key, value in record.items():
        form = table_format(key)
        shown = _cell(value, form) if form else "" if value is None else value
        click.echo(f"{key:<{width}}  {shown}")


def count(n, singular, plural=None, *, thousands=False):
    """``n`` and the noun agreeing with it, for messages: ``1 sighting``, ``2 sightings``, ``0 entries``.

    >>> count(1, "sighting"), count(3, "row"), count(0, "entry", "entries"), count(12345, "position", thousands=True)
    ('1 sighting', '3 rows', '0 entries', '12,345 positions')
    """
    number = f"{n:,}" if thousands else f"{n}"
    return f"{number} {singular if n == 1 else plural or singular + 's'}"


def id_span(ids):
    """The ids of rows just written, for messages: `` (id 7)``, `` (ids 7-9)``, or nothing.

    >>> id_span([7]), id_span([7, 8, 9]), id_span([])
    (' (id 7)', ' (ids 7-9)', '')
    """
    if not len(ids):
        return ""
    return f" (id {ids[0]})" if len(ids) == 1 else f" (ids {ids[0]}-{ids[-1]})"


def echo_err(message):
    click.echo(message, err=True)
