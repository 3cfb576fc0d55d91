from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tuopin.lib import clock
from tuopin.registry.models import Household, ImportBatch
from tuopin.registry.tests.helpers import build, small_workbook

NOW = "2018-07-20T10:00:00+08:00"


def test_it_imports_from_the_command_line_with_dry_run_first(world, tmp_path, capsys):
    path = tmp_path / "town.xlsx"
    path.write_bytes(build(small_workbook(world)))
    with clock.frozen(NOW):
        call_command("registry_import", str(path), "--dry-run")
        assert Household.objects.count() == 0
        call_command("registry_import", str(path))
    out = capsys.readouterr().out
    assert "town.xlsx：校验完成（未写入）：户 新增 2，修改 0，未变 0" in out
    assert "town.xlsx：导入完成：户 新增 2" in out
    assert Household.objects.count() == 2
    assert ImportBatch.objects.get().source == "cli"


def test_it_lists_errors_and_imports_nothing(world, tmp_path, capsys):
    sheets = small_workbook(world)
    sheets["户"][0]["村代码"] = "610327100999"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(build(sheets))
    with clock.frozen(NOW), pytest.raises(CommandError, match="有文件未导入"):
        call_command("registry_import", str(path))
    err = capsys.readouterr().err
    assert "“户”表第2行“村代码”列（值：610327100999）：区划中没有这个村" in err
    assert Household.objects.count() == 0


def test_it_refuses_a_missing_or_wrong_file(world, tmp_path, capsys):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("registry_import", str(tmp_path / "nope.xlsx"))
    path = tmp_path / "x.txt"
    path.write_text("hello")
    with pytest.raises(CommandError):
        call_command("registry_import", str(path))
    assert "不支持的文件类型" in capsys.readouterr().err


def test_it_exports_and_writes_the_template(registry, tmp_path, capsys):
    call_command("registry_export", registry.county.code, str(tmp_path / "out.xlsx"))
    call_command("registry_template", str(tmp_path / "template.xlsx"))
    out = capsys.readouterr().out
    assert f"{Household.objects.count()} 户" in out
    assert (tmp_path / "template.xlsx").stat().st_size > 0
