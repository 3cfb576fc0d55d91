"""The ledgers' commands: templates that read back, a dry run, an import refused with reasons."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP
from tuopin.water.ledger_app import APP
from tuopin.water.models import SupplyPoint
from tuopin.water.tests.helpers import workbook
from tuopin.water.tests.test_water import POINT_H, point

pytestmark = pytest.mark.django_db


def test_templates_read_back_empty(tmp_path):
    for command, app in (
        ("water_template", APP),
        ("jobs_template", JOBS_APP),
        ("economy_template", ECONOMY_APP),
    ):
        target = tmp_path / f"{command}.xlsx"
        call_command(command, str(target))
        plan = app.check(target.read_bytes(), target.name)
        assert plan.ok and not plan.has_changes, [str(p) for p in plan.problems]


def test_import_dry_run_then_import_then_refusal(world, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook({"供水点": (POINT_H, [point("W1", world.cg_village)])}))
    call_command("water_import", str(good), "--dry-run")
    assert not SupplyPoint.objects.exists() and "校验完成（未写入）" in capsys.readouterr().out
    call_command("water_import", str(good))
    assert SupplyPoint.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        workbook({"供水点": (POINT_H, [point("W2", world.cg_village, 供水方式="自来水")])})
    )
    with pytest.raises(CommandError):
        call_command("water_import", str(bad))
    assert "不是有效的取值" in capsys.readouterr().err
    assert SupplyPoint.objects.count() == 1
