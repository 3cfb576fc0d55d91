from __future__ import annotations

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from tuopin.org.importer import ImportRefused, import_division_codes
from tuopin.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, text: str, name: str = "codes.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_builds_the_tree_from_a_csv(tmp_path):
    path = write_csv(
        tmp_path,
        "代码,名称,是否贫困村,经度,纬度\n"
        "610327,陇县,,106.857,34.893\n"
        "610327100,城关镇,,,\n"
        "610327100201,东关村,是,106.86,34.9\n"
        "610327100202,西关村,否,,\n",
    )
    summary = import_division_codes(path)
    assert (summary.added, summary.changed, summary.unchanged) == (4, 0, 0)
    village = OrgUnit.objects.get(code="610327100201")
    assert village.level == "village" and village.is_poor_village
    assert village.parent.code == "610327100" and village.parent.parent.code == "610327"
    assert str(village.latitude) == "34.900000"


def test_it_updates_names_and_flags_on_reimport(tmp_path):
    import_division_codes(write_csv(tmp_path, "代码,名称\n610327,陇县\n610327100,城关镇\n"))
    summary = import_division_codes(
        write_csv(tmp_path, "代码,名称,是否贫困村\n610327,陇县\n610327100,城关街道,\n", "b.csv")
    )
    assert (summary.added, summary.changed, summary.unchanged) == (0, 1, 1)
    assert OrgUnit.objects.get(code="610327100").name == "城关街道"


def test_it_reads_xlsx_with_numeric_codes(tmp_path):
    path = tmp_path / "codes.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["代码", "名称", "是否贫困村"])
    sheet.write_row(1, 0, [610327, "陇县", ""])
    sheet.write_row(2, 0, [610327100, "城关镇", ""])
    sheet.write_row(3, 0, [610327100201, "东关村", "是"])
    workbook.close()
    assert import_division_codes(path).added == 3
    assert OrgUnit.objects.get(code="610327100201").is_poor_village


def test_it_refuses_the_whole_file_with_row_messages(tmp_path):
    path = write_csv(
        tmp_path,
        "代码,名称,是否贫困村\n610327,陇县,\n61032710,坏代码,\n610327100,,\n610327100201,东关村,也许\n",
    )
    with pytest.raises(ImportRefused) as refused:
        import_division_codes(path)
    assert refused.value.errors == [
        "第3行“代码”列：代码 61032710 为8位，应为2（省）、4（市）、6（县）、9（镇）、12（村）或15（组）位",
        "第4行“名称”列：名称不能为空",
        "第5行“是否贫困村”列：值“也许”应为“是”或“否”",
    ]
    assert OrgUnit.objects.count() == 0


def test_it_refuses_a_village_whose_town_is_missing(tmp_path):
    path = write_csv(tmp_path, "代码,名称\n610327,陇县\n610327105201,孤村\n")
    with pytest.raises(ImportRefused) as refused:
        import_division_codes(path)
    assert refused.value.errors == ["代码 610327105201（孤村）的上级代码 610327105 不存在"]
    assert OrgUnit.objects.count() == 0


def test_it_refuses_missing_columns_and_wrong_file_types_on_the_command_line(tmp_path):
    with pytest.raises(CommandError, match="缺少必需的列：名称"):
        call_command("org_import", str(write_csv(tmp_path, "代码\n610327\n")))
    bogus = tmp_path / "codes.xlsx"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match=r"不是有效的 \.xlsx"):
        call_command("org_import", str(bogus))
    with pytest.raises(CommandError, match="不支持的文件类型"):
        call_command("org_import", str(write_csv(tmp_path, "x", "codes.txt")))


def test_it_refuses_a_zip_bomb_before_reading(tmp_path):
    import zipfile

    bomb = tmp_path / "codes.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    with pytest.raises(CommandError, match="压缩比异常"):
        call_command("org_import", str(bomb))
    assert OrgUnit.objects.count() == 0


def test_it_refuses_names_with_markup_or_control_characters(tmp_path):
    path = tmp_path / "codes.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    for row, values in enumerate(
        [
            ("代码", "名称"),
            ("610327", "陇县"),
            ("610327100", "城关镇"),
            ("610327100201", "<img src=x onerror=alert(1)>"),
            ("610327100202", "西关\u202e村"),
            ("610327100203", "东\t关村"),
        ]
    ):
        for column, value in enumerate(values):
            sheet.write_string(row, column, value)
    book.close()
    with pytest.raises(ImportRefused) as refused:
        import_division_codes(path)
    assert refused.value.errors == [
        "第4行“名称”列：不能包含尖括号 < 或 >（名称中不允许出现网页标记）",
        "第5行“名称”列：不能包含控制字符或不可见字符（U+202E），请删除后重新导入",
        "第6行“名称”列：不能包含控制字符或不可见字符（U+0009），请删除后重新导入",
    ]
    assert OrgUnit.objects.count() == 0
