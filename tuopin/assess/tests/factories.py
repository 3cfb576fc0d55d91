"""Small builders for households and members in assess tests (the registry is not ours)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from tuopin.registry.models import Household, Person

_numbers = itertools.count(1)

# A household that passes every item unless a test says otherwise.
PASSING_HOUSEHOLD: dict[str, Any] = {
    "is_registered": True,
    "exit_status": "exited",
    "exit_year": 2017,
    "first_identified_year": 2014,
    "wage_income": Decimal("8000"),
    "business_income": Decimal("2000"),
    "property_income": Decimal("0"),
    "transfer_income": Decimal("0"),
    "business_expense": Decimal("0"),
    "housing_grade": "A",
    "relocation": "none",
    "water_quality_ok": True,
    "water_liters_per_person_day": Decimal("40"),
    "water_piped": True,
    "water_minutes_round_trip": 0,
    "water_reliability": Decimal("98"),
    "has_household_electricity": True,
}


def adult(**overrides: Any) -> dict[str, Any]:
    values = {
        "birth_date": dt.date(1970, 3, 1),
        "schooling_status": "00",
        "health": "1",
        "in_rural_medical_insurance": True,
        "in_serious_illness_insurance": True,
    }
    values.update(overrides)
    return values


def household(village, *, members: list[dict[str, Any]] | None = None, **fields: Any) -> Household:
    """A household in ``village`` with ``members`` (default: one insured adult)."""
    number = next(_numbers)
    members = [adult()] if members is None else members
    values = dict(PASSING_HOUSEHOLD)
    values.update(fields)
    values.setdefault("member_count", len(members))
    if not values["is_registered"]:
        values.setdefault("exit_status", "")
        values["exit_status"] = fields.get("exit_status", "")
        values["exit_year"] = fields.get("exit_year")
        values["first_identified_year"] = fields.get("first_identified_year")
    created = Household.objects.create(
        household_no=f"{village.code}{number:04d}",
        village=village,
        head_name=f"户主{number}",
        head_id_number=f"61032719700301{number:04d}",
        **values,
    )
    for index, member in enumerate(members):
        member = dict(member)
        Person.objects.create(
            household=created,
            name=f"成员{number}-{index}",
            id_number=f"{number:08d}{index:02d}00000000",
            relationship="01" if index == 0 else "03",
            sex="1",
            labour_skill="1",
            **member,
        )
    return created
