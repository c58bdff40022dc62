"""Half-open integer interval arithmetic for the availability engine.

An interval is ``(start, end)`` with ``start < end`` meaning ``[start, end)``; a *set* of
intervals is a list sorted by start whose members neither overlap nor touch (``merge`` produces
that form).  Every function that takes sets expects this normal form and returns it, so the
engine can chain them without re-sorting.  Plain ints (UTC epoch seconds in practice) keep the
hot path free of datetime arithmetic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def _end(interval: Interval) -> int:
    return interval[1]


def _start(interval: Interval) -> int:
    return interval[0]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals and coalesce overlapping or touching ones."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Points that lie in both sets (two-pointer sweep, linear)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Points of ``a`` that are not in ``b`` (linear sweep)."""
    if not b:
        return list(a)
    out: list[Interval] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        cur = start
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cur:
                out.append((cur, b[k][0]))
            cur = max(cur, b[k][1])
            k += 1
        if cur < end:
            out.append((cur, end))
    return out


def clip(a: Sequence[Interval], lo: int, hi: int) -> list[Interval]:
    """Restrict a set to ``[lo, hi)``."""
    return [(max(s, lo), min(e, hi)) for s, e in window(a, lo, hi) if max(s, lo) < min(e, hi)]


def window(a: Sequence[Interval], lo: int, hi: int) -> list[Interval]:
    """Members of ``a`` that overlap ``[lo, hi)``, found by bisection (not a full scan)."""
    i = bisect_right(a, lo, key=_end)
    j = i
    while j < len(a) and a[j][0] < hi:
        j += 1
    return list(a[i:j])


def overlaps(a: Sequence[Interval], lo: int, hi: int) -> bool:
    """Whether any member of ``a`` shares a point with ``[lo, hi)``."""
    i = bisect_right(a, lo, key=_end)
    return i < len(a) and a[i][0] < hi


def contains(a: Sequence[Interval], lo: int, hi: int) -> bool:
    """Whether ``[lo, hi)`` lies inside a single member of ``a``."""
    i = bisect_right(a, lo, key=_start) - 1
    return i >= 0 and a[i][1] >= hi


def points_in(points: Sequence[int], ranges: Sequence[Interval]) -> list[int]:
    """Indices of sorted ``points`` that fall inside any of ``ranges``."""
    out: list[int] = []
    for start, end in ranges:
        out.extend(range(bisect_left(points, start), bisect_left(points, end)))
    return out
