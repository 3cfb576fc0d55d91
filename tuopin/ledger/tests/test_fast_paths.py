"""The engine's fast paths give the same values and the same per-row problems as the cell-by-cell
path: whole-column text checks, remembered dates and numbers, multi-row inserts and reserved ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from tuopin.ledger import fastdb
from tuopin.ledger.cells import CellReader, LedgerPlan
from tuopin.ledger.layout import Column
from tuopin.ledger.reader import Sheet
from tuopin.org.models import AuditEvent

TODAY = dt.date(2018, 7, 20)


def _reader(rows: int) -> tuple[LedgerPlan, CellReader]:
    plan = LedgerPlan()
    sheet = Sheet("表", 1, [], [[None]] * rows, 2)
    return plan, CellReader(plan, sheet, TODAY)


def _problems(plan):
    return [(p.row, p.column, p.value, p.reason) for p in plan.problems]


def test_a_clean_text_column_is_checked_at_once_and_a_bad_cell_is_still_named():
    column = Column("内容", "content", "text")
    plan, reader = _reader(4)
    assert reader.parse(column, ["产业扶持", " 就业 ", 12.0, None]) == [
        "产业扶持",
        "就业",
        "12",
        "",
    ]
    assert plan.ok and reader.normalised == 1

    plan, reader = _reader(5)
    values = reader.parse(column, ["好", "<b>坏</b>", "甲\u200b乙", "x" * 101, "１２３　"])
    assert values[4] == "123"  # full-width digits and space made plain
    assert _problems(plan) == [
        (3, "内容", "<b>坏</b>", "不能包含尖括号 < 或 >（名称中不允许出现网页标记）"),
        (4, "内容", "甲\u200b乙", "不能包含控制字符或不可见字符（U+200B），请删除后重新导入"),
        (5, "内容", "x" * 60, "过长（最多 100 个字符）"),
    ]
    assert reader.normalised == 2  # the full-width cell: translated, and its space stripped


def test_repeated_dates_are_parsed_once_but_each_refused_row_is_reported():
    column = Column("日期", "done_on", "date")
    plan, reader = _reader(6)
    cells = ["2018-05-01", "2018-05-01", "2018/5/1", "2019-01-01", "2019-01-01", "昨天"]
    values = reader.parse(column, cells)
    may = dt.date(2018, 5, 1)
    assert values == [may, may, may, dt.date(2019, 1, 1), dt.date(2019, 1, 1), None]
    assert _problems(plan) == [
        (5, "日期", "2019-01-01", "日期不能晚于今天"),
        (6, "日期", "2019-01-01", "日期不能晚于今天"),
        (7, "日期", "昨天", "应为日期，如 2018-05-01"),
    ]
    cell = dt.datetime(2018, 6, 1)  # noqa: DTZ001 - a date cell arrives naive
    plan, reader = _reader(2)
    assert reader.parse(column, [cell, cell]) == [dt.date(2018, 6, 1)] * 2


def test_repeated_numbers_are_converted_once_per_type_and_refusals_stay_per_row():
    column = Column("金额", "amount", "money")
    plan, reader = _reader(7)
    values = reader.parse(column, [12.5, 12.5, 3, 3.0, -1.0, -1.0, "1,000"])
    assert values[:2] == [Decimal("12.50")] * 2
    assert str(values[2]) == "3" and str(values[3]) == "3.00"  # 3 and 3.0 are not one cell
    assert values[6] == Decimal("1000.00")
    assert [(row, reason) for row, _, _, reason in _problems(plan)] == [
        (6, "不能为负数"),
        (7, "不能为负数"),
    ]


def _events(count: int, note: str):
    at = fastdb.db_datetime(dt.datetime(2018, 7, 20, 2, tzinfo=dt.UTC))
    return [
        (at, "测试", "test.row", str(i), f"第{i}行", fastdb.db_json({}), "cli", note, "6103")
        for i in range(count)
    ]


FIELDS = ("at", "action", "model", "object_id", "object_repr", "changes", "source", "note")
FIELDS = (*FIELDS, "scope_code")


@pytest.mark.django_db
def test_insert_new_returns_the_keys_of_its_rows_in_order_across_batches():
    rows = _events(250, "第一批")  # more than one INSERT of 111 rows on SQLite
    with transaction.atomic():
        first = fastdb.insert_new(AuditEvent, FIELDS, rows)
    assert len(first) == 250 == len(set(first))
    stored = dict(AuditEvent.objects.filter(note="第一批").values_list("pk", "object_id"))
    assert [stored[pk] for pk in first] == [str(i) for i in range(250)]
    AuditEvent.objects.filter(pk=max(first)).delete()  # a deleted top key is never reused
    with transaction.atomic():
        second = fastdb.insert_new(AuditEvent, FIELDS, _events(3, "第二批"))
    assert min(second) > max(first)
    assert set(AuditEvent.objects.filter(note="第二批").values_list("pk", flat=True)) == set(second)


@pytest.mark.django_db(transaction=True)
def test_reserving_keys_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        fastdb.reserve_ids(AuditEvent, 2)


@pytest.mark.django_db
def test_among_finds_many_keys_with_one_parameter(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuopin.org.models import OrgUnit

    codes = [world.cg_village.code, world.df_village.code, "999999999999"] + [
        f"61{i:010d}" for i in range(2000)
    ]
    with CaptureQueriesContext(connection) as queries:
        found = set(OrgUnit.objects.filter(code__among=codes).values_list("code", flat=True))
    assert found == {world.cg_village.code, world.df_village.code} and len(queries) == 1
    ids = [world.cg_village.pk, world.chengguan.pk]
    assert set(OrgUnit.objects.filter(pk__among=ids).values_list("pk", flat=True)) == set(ids)
    assert list(
        OrgUnit.objects.filter(parent__among=[world.chengguan.pk]).values_list("level", flat=True)
    )
    assert not OrgUnit.objects.filter(code__among=[]).exists()
    with pytest.raises(TypeError):
        list(OrgUnit.objects.filter(code__among=[1.5]))
