from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tuopin.org.forms import OrgUnitForm

pytestmark = pytest.mark.django_db


def form(**data) -> OrgUnitForm:
    return OrgUnitForm(data={"name": "新村", "is_active": "on", **data})


def test_it_refuses_a_village_code_that_does_not_extend_its_town(world):
    bound = form(code="610327101299", parent=world.chengguan.pk)
    assert not bound.is_valid()
    assert bound.errors["code"] == [
        "代码 610327101299 必须以上级 城关镇（610327100）的代码开头并多出一级"
    ]


def test_it_refuses_codes_of_no_known_length_and_missing_parents(world):
    assert form(code="6103271002").errors["code"][0].startswith("代码 6103271002 为10位")
    assert form(code="610327109201").errors["code"] == ["上级代码 610327109 不存在"]


def test_it_derives_level_and_parent_from_a_valid_code(world):
    bound = form(code="610327100203")
    assert bound.is_valid(), bound.errors
    village = bound.save()
    assert (village.level, village.parent) == ("village", world.chengguan)


def test_it_serves_the_admin_to_staff_only(world, login):
    assert login(world.superuser).get("/admin/org/orgunit/").status_code == 200
    assert login(world.hq).get("/admin/org/orgunit/").status_code == 302


@pytest.mark.slow
def test_it_passes_the_deployment_checks_with_production_settings():
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "TUOPIN_PRODUCTION": "true",
        "TUOPIN_SECRET_KEY": "k" * 20 + "-production-only-0123456789-abcdefghijklmnop",
        "TUOPIN_HTTPS": "true",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tuopin", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_it_stops_at_start_up_naming_a_malformed_setting():
    env = {**os.environ, "TUOPIN_SMTP_PORT": "twenty-five"}
    result = subprocess.run(
        [sys.executable, "-m", "tuopin", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "配置错误：环境变量 TUOPIN_SMTP_PORT 的值 'twenty-five' 不是整数" in result.stderr
