from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tuopin.org.models import OrgUnit, Person, ResponsibleUnit, Role, User
from tuopin.org.units import resolve
from tuopin.synth.county import build_county, build_province

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        OrgUnit.objects.order_by("code").values_list(
            "code", "name", "level", "is_poor_village", "longitude", "latitude"
        )
    )


def test_it_builds_long_county_with_its_ten_towns_and_62_poor_villages():
    build_county(seed=1)
    towns = OrgUnit.objects.filter(level="town").order_by("code")
    assert [t.name for t in towns] == [
        "城关镇", "东风镇", "八渡镇", "温水镇", "天成镇", "曹家湾镇", "固关镇", "东南镇", "河北镇", "新集川镇",
    ]  # fmt: skip
    villages = OrgUnit.objects.filter(level="village")
    assert villages.count() == 120
    assert villages.filter(is_poor_village=True).count() == 62
    assert all(v.code.startswith(v.parent.code) for v in villages.select_related("parent"))
    assert ResponsibleUnit.objects.count() == 40
    assert Person.objects.filter(is_leader=True).count() == 10
    assert Person.objects.get(is_leader=True, name="").post == "分管交通运输副县长"


def run_synth(tmp_path, name: str) -> list[tuple]:
    """`tuopin synth --seed 1` into a fresh SQLite file, read back without Django."""
    database = tmp_path / f"{name}.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["synth", "--seed", "1", "--people-per-county", "6000"],
    ):
        subprocess.run(
            [sys.executable, "-m", "tuopin", *command], env=env, check=True, capture_output=True
        )
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "select code, name, level, is_poor_village, longitude, latitude from org_orgunit order by code"
        ).fetchall()
        rows += connection.execute(
            "select name, kind from org_responsibleunit order by name"
        ).fetchall()
        rows += connection.execute(
            "select username, role from org_user order by username"
        ).fetchall()
        rows += connection.execute(
            "select household_no, head_name, is_registered, wage_income, housing_grade"
            " from registry_household order by household_no"
        ).fetchall()
        rows += connection.execute(
            "select id_number, name, birth_date from registry_person order by id_number"
        ).fetchall()
    return rows


@pytest.mark.slow
def test_it_is_deterministic_for_a_seed(tmp_path):
    first = run_synth(tmp_path, "a")
    assert len(first) > 800 + 6000
    assert run_synth(tmp_path, "b") == first


def test_it_is_idempotent():
    build_county(seed=1)
    before = (OrgUnit.objects.count(), User.objects.count(), ResponsibleUnit.objects.count())
    build_county(seed=1)
    assert (
        OrgUnit.objects.count(),
        User.objects.count(),
        ResponsibleUnit.objects.count(),
    ) == before


def test_it_gives_every_unit_a_reporter_and_a_head():
    build_county(seed=1)
    for unit in ResponsibleUnit.objects.all():
        roles = set(User.objects.filter(unit=unit).values_list("role", flat=True))
        assert {Role.UNIT_REPORTER, Role.UNIT_HEAD} <= roles, unit.name
        assert unit.head is not None
    cadre = User.objects.get(username="chengguan_cadre")
    assert cadre.scope.name == "城关镇"


def test_it_resolves_the_plans_unit_wording():
    build = build_county(seed=1)
    result = resolve("县纪委、监委、各镇", build.county)
    assert [u.name for u in result.units][:2] == ["县纪委", "县监委"]
    assert len(result.units) == 12 and result.unresolved == []
    group = resolve("“八办七组”成员单位、各镇", build.county)
    assert len(group.units) == 25
    assert resolve("县外星局", build.county).unresolved == ["县外星局"]


def test_it_builds_a_province_of_counties_each_with_its_units():
    counties = build_province(3, seed=1)
    assert len(counties) == 3
    assert OrgUnit.objects.filter(level="county").count() == 3
    assert OrgUnit.objects.filter(level="village").count() == 360
    assert ResponsibleUnit.objects.count() == 120


def test_it_refuses_impossible_parameters():
    with pytest.raises(CommandError, match="县的数量应在 1～999 之间"):
        call_command("synth", "--scale", "province", "--counties", "0")
