"""Small rosters, checks and workbooks for the village tests (real .xlsx via lib.xlsx_cells)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from tuopin.lib import xlsx_cells
from tuopin.villages import actions
from tuopin.villages.codes import Team
from tuopin.villages.layout import TEAM_COLUMNS, TRAINING_COLUMNS

TEAM_HEADERS = [c.header for c in TEAM_COLUMNS]
TRAINING_HEADERS = [c.header for c in TRAINING_COLUMNS]


def full_team(actor, village, prefix: str, started=dt.date(2018, 3, 1)) -> list:
    """A complete 四支队伍 (1 + 2 + 1 + 3) with phones 139000<prefix>000<n>."""
    teams = [
        Team.FIRST_SECRETARY,
        Team.WORK_TEAM,
        Team.WORK_TEAM,
        Team.HELPER,
        Team.COMMITTEE,
        Team.COMMITTEE,
        Team.COMMITTEE,
    ]
    names = ["张建国", "李卫东", "王海燕", "赵晓明", "刘长生", "陈秀兰", "杨志强"]
    return [
        actions.add_member(
            actor,
            village,
            {
                "team": team,
                "name": names[n],
                "unit": "县交通局",
                "role": "队员",
                "phone": f"139000{prefix}000{n}",
                "started_on": started,
                "ended_on": None,
            },
        )
        for n, team in enumerate(teams)
    ]


def member_row(code: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "村代码": code,
        "村名": "",
        "队伍类别": "驻村工作队",
        "姓名": "孙立新",
        "派出单位": "县水利局",
        "职务": "队员",
        "手机": "13800000001",
        "到岗日期": "2018-03-01",
        "离岗日期": "",
    }
    row.update(overrides)
    return row


def training_row(code: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "培训日期": "2018-06-20",
        "培训主题": "四支队伍轮训",
        "培训类别": "轮训",
        "村代码": code,
        "姓名": "孙立新",
        "手机": "13800000001",
    }
    row.update(overrides)
    return row


def workbook(members: list[dict] | None = None, training: list[dict] | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsx_cells.workbook(buffer)
    for name, headers, rows in (
        ("队伍", TEAM_HEADERS, members),
        ("培训", TRAINING_HEADERS, training),
    ):
        if rows is None:
            continue
        sheet = book.add_worksheet(name)
        xlsx_cells.write_row(sheet, 0, 0, headers)
        for index, row in enumerate(rows, start=1):
            xlsx_cells.write_row(sheet, index, 0, [row.get(h, "") for h in headers])
    book.close()
    return buffer.getvalue()
