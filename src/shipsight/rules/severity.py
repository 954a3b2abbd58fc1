"""How alarming a pair found by a join is: closer in space and time scores higher.

The score is a number in ``[0.25, 1]`` (so within the promised ``(0, 1]``)::

    score = (1 - d / (2 D)) * (1 - |h| / (2 H))

with ``d`` the distance, ``h`` the time apart, and ``D``, ``H`` the rule's
thresholds. Each factor falls linearly from 1 (same place, same moment) to
1/2 (at the threshold), so a pair on both limits scores 0.25 and the score is
strictly monotone in each of distance and time inside the thresholds. Values
past a threshold (which a join never returns) count as on it.

For people, :func:`severity_label` cuts the score into three words:

=======  ==============  =================================================
label    score           e.g.
=======  ==============  =================================================
high     >= 0.75         same place within half the window; or within a
                         quarter of both thresholds
medium   >= 0.5          on the distance limit at the same moment
low      < 0.5           near both limits
=======  ==============  =================================================
"""

import math

import numpy as np

from shipsight.errors import InputError

__all__ = ["severity", "severity_label", "HIGH", "MEDIUM"]

#: Lowest score labelled "high".
HIGH = 0.75
#: Lowest score labelled "medium".
MEDIUM = 0.5


def severity(distance_m, hours, *, max_distance_m, max_hours):
    """Severity score in ``[0.25, 1]`` of each pair, 1 the most severe.

    Parameters
    ----------
    distance_m : array_like of float
        Distances of the pairs, metres (e.g. ``dist_m`` from a join).
    hours : array_like of float
        Time between the sightings, hours; the sign is ignored.
    max_distance_m, max_hours : float, keyword-only
        The rule's thresholds (those given to the join).

    Returns
    -------
    ndarray of float64
        Same shape as the broadcast inputs.

    Examples
    --------
    >>> severity([0, 250, 500], [0, -36, 72], max_distance_m=500, max_hours=72).tolist()
    [1.0, 0.5625, 0.25]
    """
    d = _fraction(distance_m, max_distance_m, "max_distance_m")
    h = _fraction(np.abs(np.asarray(hours, dtype=float)), max_hours, "max_hours")
    return (1.0 - 0.5 * d) * (1.0 - 0.5 * h)


def severity_label(score):
    """``"high"``, ``"medium"`` or ``"low"`` for each score of :func:`severity`.

    >>> severity_label([1.0, 0.6, 0.25]).tolist()
    ['high', 'medium', 'low']
    """
    score = np.asarray(score, dtype=float)
    return np.where(score >= HIGH, "high", np.where(score >= MEDIUM, "medium", "low"))


def _fraction(values, limit, name):
    """``values / limit`` clipped to [0, 1]; a zero limit makes every fraction 0."""
    limit = float(limit)
    if not math.isfinite(limit) or limit < 0:
        raise InputError(f"{name} must be a finite number >= 0, got {limit!r}")
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any():
        raise InputError(f"severity needs numbers, got NaN (checked against {name})")
    if limit == 0:
        return np.zeros_like(values)
    return np.clip(values / limit, 0.0, 1.0)
