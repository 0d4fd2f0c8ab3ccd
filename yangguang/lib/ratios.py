"""Thresholds stated in whole percent ("two thirds present" is written 67 %), checked in integer arithmetic."""

from __future__ import annotations


def reaches(part: int, whole: int, percent: int) -> bool:
    """Whether part/whole, rounded half up to a whole percent, is at least `percent`.

    So 67 % means "two thirds": 2 of 3 and 6 of 9 (66.67 % → 67 %) pass, 13 of 20 (65 %) fails. The
    rounding also lets 133 of 200 (66.5 % → 67 %) pass, half a percent below two thirds, which is the
    price of writing thresholds as whole percentages. An empty whole never reaches anything.
    """
    if whole <= 0:
        return False
    rounded = (part * 200 + whole) // (2 * whole)
    return rounded >= percent
