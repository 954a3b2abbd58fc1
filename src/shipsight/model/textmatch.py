"""Regular expressions over a column of text in one call, by Arrow's RE2 (C++).

pandas runs some patterns through Python's ``re`` once per value; on a bulk
import's million rows that is most of the parsing time.
"""

import pyarrow as pa
import pyarrow.compute as pc


def matches(text, pattern):
    """Where ``pattern`` (RE2 syntax; anchor it with ``^``/``$`` for a full match) is found in each value.

    Missing values do not match.

    >>> import pandas as pd
    >>> matches(pd.Series(["130,2985", "130.5", None]), r"^[+-]?\\d+,\\d+$").tolist()
    [True, False, False]
    """
    hits = pc.match_substring_regex(pa.array(text.astype("string"), type=pa.string()), pattern)
    return pc.fill_null(hits, False).to_numpy(zero_copy_only=False)
