"""The sane range of every number, date and moment a person or a client may send.

One module so that pages, forms, commands and the API refuse the same things with the same
Chinese words. The parse functions raise :class:`OutOfBounds` (a ``ValueError``); the
``Annotated`` types at the bottom give the API schemas the same bounds, so that they also show
in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, Field

from tuopin.lib.clock import SHANGHAI

# The campaign era with a wide margin: anything outside is a typo or a probe, never data.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# Primary keys are 32-bit on every table we query by id from input (SQLite takes 64 bits,
# PostgreSQL's ``integer`` 31); a larger number can only be a probe and would overflow.
MAX_ID = 2**31 - 1
# Paging through a list: an offset past a billion rows is no real request.
MAX_OFFSET = 1_000_000_000
# Counts people type (cadres present, files checked …).
MAX_COUNT = 1_000_000


class OutOfBounds(ValueError):
    """An input outside its sane range; the message says which and what is allowed, in Chinese."""


def check_date(day: dt.date, label: str = "日期") -> dt.date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise OutOfBounds(
            f"{label} {day.isoformat()} 超出有效范围（{EARLIEST_DATE.year}–{LATEST_DATE.year} 年）"
        )
    return day


def check_moment(moment: dt.datetime, label: str = "时间") -> dt.datetime:
    """An aware moment in range; a moment without a zone is Beijing time (what people mean)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    check_date(moment.date(), label)
    return moment


def parse_date(raw: str, label: str = "日期") -> dt.date:
    """``YYYY-MM-DD`` within the sane range."""
    text = raw.strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise OutOfBounds(f"{label}“{text[:40]}”不是有效日期，应为 YYYY-MM-DD") from None
    return check_date(day, label)


def parse_moment(raw: str, label: str = "时间") -> dt.datetime:
    """An ISO 8601 moment (``2018-07-21T12:00``); without a zone it is Beijing time."""
    text = raw.strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise OutOfBounds(
            f"{label}“{text[:40]}”格式不正确，应为 YYYY-MM-DDTHH:MM（北京时间）"
        ) from None
    return check_moment(moment, label)


def parse_number(
    raw: str | int | float | Decimal,
    label: str,
    *,
    minimum: Decimal | int,
    maximum: Decimal | int,
) -> Decimal:
    """A finite decimal within ``[minimum, maximum]``; thousands separators are allowed."""
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise OutOfBounds(f"{label}应为数字，实际为“{text[:40]}”") from None
    if not value.is_finite():
        raise OutOfBounds(f"{label}应为有限数字，实际为“{text[:40]}”")
    if not Decimal(minimum) <= value <= Decimal(maximum):
        raise OutOfBounds(f"{label}应在 {minimum} 到 {maximum} 之间，实际为“{text[:40]}”")
    return value


def parse_integer(raw: str | int, label: str, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """A whole number within ``[minimum, maximum]`` (``12.0`` is twelve; ``inf`` is refused)."""
    value = parse_number(raw, label, minimum=minimum, maximum=maximum)
    if value != value.to_integral_value():
        raise OutOfBounds(f"{label}应为整数，实际为“{str(raw).strip()[:40]}”")
    return int(value)


def parse_id(raw: str | int | None) -> int | None:
    """A record id from a query string, or ``None`` when it is missing or no possible id."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


# ---------------------------------------------------------------- API field types

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A non-negative number stored in a 32-bit column (a revision counter, a seed).
Natural = Annotated[int, Field(ge=0, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Day = Annotated[dt.date, AfterValidator(check_date)]
Moment = Annotated[dt.datetime, AfterValidator(check_moment)]


def page_size(maximum: int) -> type[int]:
    """A page size from 1 to ``maximum``."""
    return Annotated[int, Field(ge=1, le=maximum)]  # type: ignore[return-value]
