"""Where a user lands after login, beyond the role's first page: apps above this floor register
a function ``landing(user) -> url or None`` (the dashboard sends a department with a sector
grant to its sector board)."""

from __future__ import annotations

from collections.abc import Callable

Landing = Callable[[object], str | None]
_landings: list[Landing] = []


def register(landing: Landing) -> None:
    if landing not in _landings:
        _landings.append(landing)


def first_page(user) -> str | None:
    for landing in _landings:
        url = landing(user)
        if url:
            return url
    return None
