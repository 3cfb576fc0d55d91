from __future__ import annotations

import datetime as dt

import pytest

from tuopin.households.models import Assignment, Helper
from tuopin.lib import clock
from tuopin.org.models import ResponsibleUnit, Role
from tuopin.org.testing import _user
from tuopin.projects.models import Project
from tuopin.registry.models import Household, Person

NOW = "2018-07-20T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_household(village, number: str, *, registered=True, planned=None, **extra) -> Household:
    fields = dict(
        household_no=number,
        village=village,
        head_name=f"户主{number[-3:]}",
        head_id_number=f"610327197001{int(number[-3:]):06d}",
        is_registered=registered,
        exit_status="not_exited" if registered else "",
        poverty_attribute="01" if registered else "",
        planned_exit_year=planned,
        member_count=1,
        housing_grade="B",
    )
    fields.update(extra)
    return Household.objects.create(**fields)


def add_member(household, index: int, **extra) -> Person:
    fields = dict(
        household=household,
        name=f"成员{index}",
        id_number=f"61032719800101{index:04d}",
        relationship="01" if index % 10 == 1 else "03",
        sex="1",
        birth_date=dt.date(1980, 1, 1),
        labour_skill="1",
        in_rural_medical_insurance=True,
        in_serious_illness_insurance=True,
    )
    fields.update(extra)
    return Person.objects.create(**fields)


@pytest.fixture
def homes(world):
    """Five registered households in 城关镇 (three in 东关村, two in 西关村), one in 东风镇, and a
    non-registered one; four are the 2018 cohort."""
    village, village2, far = world.cg_village, world.cg_village2, world.df_village
    made = {
        "a": make_household(village, f"{village.code}001", planned=2018),
        "b": make_household(village, f"{village.code}002", planned=2018),
        "c": make_household(village, f"{village.code}003", planned=2019),
        "d": make_household(village2, f"{village2.code}004", planned=2018),
        "e": make_household(village2, f"{village2.code}005"),
        "f": make_household(far, f"{far.code}006", planned=2018),
        "n": make_household(village, f"{village.code}007", registered=False),
    }
    for index, household in enumerate(made.values(), start=1):
        add_member(household, index * 10 + 1)
    return made


@pytest.fixture
def sites(world):
    unit = ResponsibleUnit.objects.get(name="县交通局")
    return {
        "relocation": Project.objects.create(
            code="BQ-01",
            name="东关安置点",
            kind="relocation",
            place=world.cg_village,
            unit=unit,
            planned_end=dt.date(2018, 8, 31),
        ),
        "road": Project.objects.create(
            code="LU-01",
            name="东关道路",
            kind="road",
            place=world.cg_village,
            unit=unit,
            planned_end=dt.date(2018, 8, 31),
        ),
    }


@pytest.fixture
def now():
    """The pages' tests run on 20 July 2018 (use with ``pytest.mark.usefixtures("now")``)."""
    with clock.frozen(NOW):
        yield


@pytest.fixture
def helper(world, homes):
    """王帮扶 of 县交通局 with a login (helper1), paired with households a and f."""
    account = _user("helper1", Role.UNIT_REPORTER, unit=world.transport)
    person = Helper.objects.create(
        name="王帮扶", unit="县交通局", phone="13900000001", user=account
    )
    for key in ("a", "f"):
        Assignment.objects.create(household=homes[key], helper=person)
    return person
