from hypothesis import given
from hypothesis import strategies as st

from yangguang.lib.ratios import reaches


def test_two_thirds_written_as_67_percent() -> None:
    assert reaches(2, 3, 67)
    assert reaches(6, 9, 67)
    assert not reaches(5, 9, 67)
    assert not reaches(13, 20, 67)


def test_an_empty_whole_never_reaches() -> None:
    assert not reaches(0, 0, 1)


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(1, 100))
def test_agrees_with_rounded_percentages(part: int, whole: int, percent: int) -> None:
    part = min(part, whole)
    exact = part * 100 / whole
    # Rounded half up, away from the float's representation error at exact halves.
    assert reaches(part, whole, percent) == (int(exact + 0.5 + 1e-9) >= percent)
