"""Personal data: the one place that decides how each personal field is shown to a user.

Every page, API response, export and message that shows a citizen ID, a phone number, a birth
date, an age or a petitioner's name asks :func:`disclosure` (or opens an :func:`output`) for the
record it shows and writes the field through the returned :class:`Disclosure`.

Masking is done so that the masked output cannot be joined back into the ID: the masked ID
keeps the region (6 digits) and the last four (sequence, sex digit, check digit), so everything
else that tells the birth date is withheld with it — the birth date itself is blank and an age
is given only as a five-year band (about 160 dates stay possible for every ID).

Every unmasked disclosure is logged: :func:`output` records the records it showed unmasked when
it closes, through the recorder the registry app registers at start-up (the log table lives
there; this floor may not import it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tuopin.lib.citizen_id import mask, mask_phone
from tuopin.org.access import can

AGE_BAND_YEARS = 5


class Kind(StrEnum):
    CITIZEN_ID = "citizen_id"
    PHONE = "phone"
    BIRTH_DATE = "birth_date"
    NAME = "name"  # a petitioner's name: only the family name stays
    WITHHELD = "withheld"  # withheld entirely when masked (a petition's tracking code)


# Every personal field of the project, by the name it has on its model and in audit changes.
PERSONAL_FIELDS: dict[str, Kind] = {
    "head_id_number": Kind.CITIZEN_ID,
    "id_number": Kind.CITIZEN_ID,
    "phone": Kind.PHONE,
    "helper_phone": Kind.PHONE,
    "reporter_phone": Kind.PHONE,
    "birth_date": Kind.BIRTH_DATE,
    "reporter_name": Kind.NAME,
    "tracking_code": Kind.WITHHELD,
}


def age_band(years: int) -> str:
    low = years - years % AGE_BAND_YEARS
    return f"{low}–{low + AGE_BAND_YEARS - 1}"


@dataclass(frozen=True)
class Disclosure:
    """How one record's personal fields are shown: in clear, or masked beyond rebuilding."""

    unmasked: bool

    def citizen_id(self, number: str) -> str:
        return number if self.unmasked or not number else mask(number)

    def phone(self, phone: str) -> str:
        return phone if self.unmasked or not phone else mask_phone(phone)

    def birth_date(self, day: dt.date | None) -> dt.date | None:
        return day if self.unmasked else None

    def age(self, years: int) -> str:
        """The exact age in clear; a five-year band when masked (age + sex would narrow the ID)."""
        return str(years) if self.unmasked else age_band(years)

    def name(self, name: str) -> str:
        return name if self.unmasked or not name else name[:1] + "**"

    def secret(self, value: str | None) -> str | None:
        return value if self.unmasked else None

    def as_of(self, requested: dt.date | None) -> dt.date | None:
        """The reference date of per-household results (verdicts, members' age flags); None is
        today. A masked reader gets today's only: moving the date would find the day an age
        flag flips, that is a birthday, and with it the masked digits."""
        return requested if self.unmasked else None

    def value(self, field_name: str, value: Any) -> Any:
        """Any field by name (e.g. an audit change): personal ones masked, others as they are."""
        kind = PERSONAL_FIELDS.get(field_name)
        if kind is None or value is None or value == "":
            return value
        if kind is Kind.CITIZEN_ID:
            return self.citizen_id(str(value))
        if kind is Kind.PHONE:
            return self.phone(str(value))
        if kind is Kind.NAME:
            return self.name(str(value))
        return value if self.unmasked else None


MASKED = Disclosure(unmasked=False)
UNMASKED = Disclosure(unmasked=True)


def disclosure(user, record=None) -> Disclosure:
    """The decision alone (nothing logged): unmasked only for roles that work with households,
    for records in their scope. Use :func:`output` or :func:`shown` to show data."""
    return UNMASKED if can(user, "personal_data.view", record) else MASKED


Recorder = Callable[[Any, list[Any], str, str], None]
_recorders: list[Recorder] = []


def register_recorder(recorder: Recorder) -> None:
    """The registry app registers the writer of its personal-data view log here at start-up."""
    if recorder not in _recorders:
        _recorders.append(recorder)


@dataclass
class Output:
    """One page, response or file: decides per record and remembers what it showed unmasked."""

    user: Any
    unmasked_records: list[Any] = field(default_factory=list)

    def of(self, record) -> Disclosure:
        shown = disclosure(self.user, record)
        if shown.unmasked:
            self.unmasked_records.append(record)
        return shown


@contextmanager
def output(user, *, what: str, via: str = "web") -> Iterator[Output]:
    """Open an output; when it closes, any record shown unmasked is logged (one log row)."""
    current = Output(user)
    yield current
    if current.unmasked_records:
        if not _recorders:
            raise RuntimeError("personal data shown unmasked but no view log is registered")
        for recorder in _recorders:
            recorder(user, current.unmasked_records, what, via)


def shown(user, record, *, what: str, via: str = "web") -> Disclosure:
    """The disclosure for one record shown on its own (a household page, a case detail)."""
    with output(user, what=what, via=via) as current:
        return current.of(record)
