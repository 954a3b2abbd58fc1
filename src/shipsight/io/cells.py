"""CSV text cells that a spreadsheet would run as a formula, made inert and back.

Excel, LibreOffice and Google Sheets evaluate a cell that begins with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return), and a vessel name or
note from a feed can carry one (``=HYPERLINK(...)``). Such text cells are
written with a leading apostrophe, the spreadsheets' own mark for "this is
text" (OWASP: CSV injection). Numbers are numbers and are left alone.

The guard can be undone exactly: a cell is guarded when, past any leading
apostrophes, it begins a formula, so one apostrophe comes off again on reading.

>>> import pandas as pd
>>> frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "ANGARA", "'=x"], "dist": [-5.0, 1.0, 2.0]})
>>> guarded = guard_formulas(frame)
>>> guarded["name"].tolist(), guarded["dist"].tolist()
(["'=HYPERLINK(1)", 'ANGARA', "''=x"], [-5.0, 1.0, 2.0])
>>> unguard_formulas(guarded)["name"].tolist() == frame["name"].tolist()
True
"""

import pandas as pd

#: What a spreadsheet takes as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(series):
    """True where a text cell, past any leading apostrophes, begins a formula (never for non-text)."""
    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return None
    try:
        text = series.str
    except AttributeError:  # an object column holding no text at all
        return None
    return text.lstrip("'").str.startswith(FORMULA_START, na=False).astype(bool)


def guard_formulas(frame):
    """A copy of ``frame`` with formula-like text cells behind an apostrophe."""
    out = frame.copy()
    for col in out.columns:
        risky = _formula_like(out[col])
        if risky is not None and risky.any():
            out.loc[risky, col] = ["'" + v for v in out.loc[risky, col]]
    return out


def unguard_formulas(frame):
    """Undo :func:`guard_formulas` (on text read back from such a CSV)."""
    out = frame.copy()
    for col in out.columns:
        risky = _formula_like(out[col])
        if risky is not None and risky.any():
            guarded = risky & out[col].str.startswith("'", na=False).astype(bool)
            out.loc[guarded, col] = [v[1:] for v in out.loc[guarded, col]]
    return out
