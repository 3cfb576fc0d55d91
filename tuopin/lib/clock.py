"""The one clock every part of tuopin asks for the time.

The demo freezes it inside the 2018 campaign (``TUOPIN_NOW``) so that deadlines, lateness and
forecasts mean something; tests freeze it with :func:`frozen`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_state = threading.local()
_configured_now: dt.datetime | None = None


def configure(frozen_at: dt.datetime | None) -> None:
    """Freeze the process-wide clock at a moment (or unfreeze with ``None``)."""
    global _configured_now
    if frozen_at is not None and frozen_at.tzinfo is None:
        raise ValueError("the frozen moment must be timezone-aware")
    _configured_now = frozen_at


def now() -> dt.datetime:
    """The current moment, aware, in Asia/Shanghai."""
    override = getattr(_state, "frozen", None) or _configured_now
    if override is not None:
        return override.astimezone(SHANGHAI)
    return dt.datetime.now(SHANGHAI)


def today() -> dt.date:
    return now().date()


@contextlib.contextmanager
def frozen(moment: dt.datetime | str) -> Iterator[None]:
    """Freeze the clock for this thread inside the block (tests)."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    previous = getattr(_state, "frozen", None)
    _state.frozen = moment
    try:
        yield
    finally:
        _state.frozen = previous


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI)


def at(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """An aware moment on a Shanghai calendar day."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=SHANGHAI)
