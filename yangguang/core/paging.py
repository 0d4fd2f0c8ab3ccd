"""Pages of long lists without counting them: "previous" and "next" from one query that fetches one row
more than a page holds.

Django's Paginator counts the whole list (`SELECT COUNT(*)`) to number the pages. Over a million cases
that count cost more than the page itself (300 ms for the queue's 全部 tab, bench.cases), and nobody reads
the 2,000th page of a queue: they filter or search. So long lists show the page number and the links
beside it, without a total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet

_M = TypeVar("_M", bound=Model)


@dataclass
class UncountedPage(Generic[_M]):
    """One page of an ordered list; attribute names as on Django's `Page`, so templates read alike."""

    object_list: list[_M]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_number(value: str | int | None, *, last: int | None = None) -> int:
    """The page asked for: 1 when `value` is missing or not a positive whole number, at most `last`."""
    try:
        number = max(int(value or 1), 1)
    except (TypeError, ValueError):
        number = 1
    return number if last is None else min(number, last)


def page_from_rows(
    rows: list[_M], number: int, per_page: int, *, last: int | None = None
) -> UncountedPage[_M]:
    """Page `number` from the rows fetched for it: up to one more than `per_page`, the extra one telling
    that there is a next page."""
    has_next = len(rows) > per_page and (last is None or number < last)
    return UncountedPage(rows[:per_page], number, has_next)


def uncounted_page(
    queryset: QuerySet[_M], per_page: int, number: str | int | None, *, last: int | None = None
) -> UncountedPage[_M]:
    """Page `number` of `queryset` (which must be ordered), in one query: the first page when `number` is
    missing or not a positive whole number, at most page `last` when given (a public list bounds how deep
    OFFSET goes). A page past the end is empty and links back."""
    wanted = page_number(number, last=last)
    start = (wanted - 1) * per_page
    return page_from_rows(list(queryset[start : start + per_page + 1]), wanted, per_page, last=last)
