"""Demo project and fund ledger for 陇县: about three hundred projects of the plan's kinds
(roads, water, grid, clinics, housing, relocation sites, …) with their allocations, loaded
through the ledger engine's own import (check, then write with history) as HQ would load its
workbook on Thursday 19 July 2018. Some projects are late and some money sits idle, as in every
real county; 35 village clinics are the 2018 clinic programme (milestone 13.1)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, UnitKind, User
from tuopin.projects import actions, importer
from tuopin.projects.layout import FUND_COLUMNS, FUND_SHEET, PROJECT_COLUMNS, PROJECT_SHEET
from tuopin.projects.models import Project

LOADED = dt.datetime(2018, 7, 19, 17, 0, tzinfo=clock.SHANGHAI)
GOAL = dt.date(2018, 8, 31)  # the plan's "8月底前…项目全部完工"

# kind label, count, unit, action number, (low, high) 万元, name patterns, at town level?
KINDS = [
    ("道路", 62, "县交通局", 18, (40, 420), ("{v}通村水泥路硬化", "{v}通组道路", "{v}产业路"), False),
    ("饮水", 48, "县水利局", 17, (8, 90), ("{v}安全饮水巩固提升", "{v}人饮工程", "{v}集中供水站"), False),
    ("电网", 30, "县电力局", 19, (20, 160), ("{v}农网改造升级", "{v}动力电入户"), False),
    ("卫生室", 35, "县卫计局", 13, (8, 16), ("{v}标准化村卫生室",), False),
    ("危房改造", 44, "县住建局", 16, (18, 130), ("{v}2018年农村危房改造",), False),
    ("易地搬迁安置点", 12, "县发改局", 15, (280, 1500), ("{v}易地扶贫搬迁集中安置点",), True),
    ("村级公共服务", 30, "县民政局", 14, (5, 45), ("{v}村级综合服务站", "{v}文化广场", "{v}幸福院"), False),
    ("产业", 40, "县农业局", 1, (10, 110), ("{v}苹果示范园", "{v}奶山羊养殖场", "{v}中药材基地", "{v}光伏电站"), False),
    ("生态雅村强基", 16, "县林业局", 12, (20, 85), ("{v}生态雅村强基建设",), False),
    ("其他", 6, "县脱贫办", None, (5, 30), ("{v}扶贫培训基地", "{v}电商服务站"), False),
]  # fmt: skip

SOURCES = [
    ("统筹整合涉农资金", 45, "陇财农〔2018〕{n}号"),
    ("中央财政", 18, "财农〔2018〕{n}号"),
    ("省级财政", 14, "陕财办农〔2018〕{n}号"),
    ("市级财政", 8, "宝财农〔2018〕{n}号"),
    ("县级财政", 10, "陇财发〔2018〕{n}号"),
    ("社会帮扶", 4, "陇扶贫发〔2018〕{n}号"),
    ("其他", 1, "陇政发〔2018〕{n}号"),
]


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _progress(rng: random.Random, kind: str, planned_end: dt.date, today: dt.date):
    """(actual start, actual end, accepted, reimbursed) as of today: most built in spring and
    summer, the quick works (clinics, housing) further along, a few late ones not started."""
    ahead = {"卫生室": 0.62, "危房改造": 0.55, "饮水": 0.5, "电网": 0.45}.get(kind, 0.38)
    start = end = accepted = reimbursed = None
    roll = rng.random()
    if roll < 0.9:
        start = _day(rng, dt.date(2018, 3, 5), dt.date(2018, 6, 20))
    if start and roll < ahead:
        end = min(start + dt.timedelta(days=rng.randint(35, 110)), today - dt.timedelta(days=2))
        if end < start:
            end = start
        if rng.random() < 0.6:
            accepted = min(end + dt.timedelta(days=rng.randint(5, 25)), today)
            if rng.random() < 0.55:
                reimbursed = min(accepted + dt.timedelta(days=rng.randint(3, 20)), today)
    if planned_end < today and end is None and rng.random() < 0.45:
        # Most works due before today were finished; the rest are the late ones.
        start = start or _day(rng, dt.date(2018, 3, 5), dt.date(2018, 5, 1))
        end = _day(rng, max(start, planned_end - dt.timedelta(days=20)), planned_end)
    return start, end, accepted, reimbursed


def rows(county: OrgUnit, seed: int) -> tuple[list[list], list[list]]:
    """The 项目 and 资金 sheets' rows for the county (deterministic for a seed)."""
    rng = random.Random(f"{seed}:projects")
    today = LOADED.date()
    towns = list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN).order_by("code"))
    villages = list(OrgUnit.objects.under(county.code).filter(level=Level.VILLAGE).order_by("code"))
    poor = [v for v in villages if v.is_poor_village] or villages
    town_units = {u.org_unit_id: u.name for u in ResponsibleUnit.objects.filter(kind=UnitKind.TOWN)}
    known_units = set(ResponsibleUnit.objects.values_list("name", flat=True))
    projects: list[list] = []
    funds: list[list] = []
    numbers = iter(range(11, 10_000))
    for kind_index, (kind, count, unit, action, (low, high), names, town_level) in enumerate(KINDS):
        places = towns if town_level else (poor if kind in ("卫生室", "危房改造") else villages)
        chosen = rng.sample(places, min(count, len(places))) if not town_level else places
        while len(chosen) < count:
            chosen.append(rng.choice(places))
        for index, place in enumerate(sorted(chosen[:count], key=lambda p: p.code)):
            code = f"LX2018-{kind_index + 1:02d}{index + 1:03d}"
            name = rng.choice(names).format(v=place.name)
            if kind == "卫生室":
                planned_end = dt.date(2018, rng.choice([6, 7, 8]), 30 if rng.random() < 0.5 else 15)
            else:
                planned_end = rng.choice(
                    [
                        GOAL,
                        GOAL,
                        GOAL,
                        dt.date(2018, 6, 30),
                        dt.date(2018, 7, 15),
                        dt.date(2018, 10, 31),
                    ]
                )
            planned_start = _day(rng, dt.date(2018, 3, 1), dt.date(2018, 5, 31))
            start, end, accepted, reimbursed = _progress(rng, kind, planned_end, today)
            responsible = (
                unit if unit in known_units else town_units.get(place.parent_id, "县脱贫办")
            )
            if kind == "村级公共服务" and rng.random() < 0.5:
                responsible = town_units.get(place.parent_id, responsible)
            households = rng.randint(20, 260) if kind != "易地搬迁安置点" else rng.randint(80, 420)
            projects.append(
                [
                    code,
                    name,
                    kind,
                    place.code,
                    responsible,
                    action,
                    planned_start.isoformat(),
                    planned_end.isoformat(),
                    start.isoformat() if start else "",
                    end.isoformat() if end else "",
                    accepted.isoformat() if accepted else "",
                    reimbursed.isoformat() if reimbursed else "",
                    households,
                    households * rng.randint(28, 36) // 10,
                ]
            )
            total = Decimal(rng.randint(low * 100, high * 100)) / 100
            parts = 1 if total < 30 else rng.choice([1, 2, 2, 3])
            used: set[str] = set()
            for part in range(parts):
                source, _, pattern = rng.choices(SOURCES, weights=[s[1] for s in SOURCES])[0]
                if source in used:
                    source, pattern = "统筹整合涉农资金", SOURCES[0][2]
                    if source in used:
                        continue
                used.add(source)
                amount = (total / parts).quantize(Decimal("0.0001"))
                allocated_on = _day(rng, dt.date(2018, 3, 1), dt.date(2018, 7, 10))
                if end is not None:
                    paid_share = Decimal(rng.randint(80, 100)) / 100
                elif start is not None:
                    paid_share = Decimal(rng.randint(30 if part else 20, 75)) / 100
                else:
                    paid_share = Decimal(rng.randint(0, 30)) / 100
                disbursed = (amount * paid_share).quantize(Decimal("0.0001"))
                reimbursed_amount = (
                    disbursed
                    if reimbursed
                    else (disbursed * Decimal(rng.randint(0, 80)) / 100).quantize(Decimal("0.0001"))
                )
                funds.append(
                    [
                        code,
                        source,
                        pattern.format(n=next(numbers)),
                        allocated_on.isoformat(),
                        float(amount),
                        float(disbursed),
                        float(reimbursed_amount),
                    ]
                )
    return projects, funds


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    if Project.objects.filter(place__code__startswith=county.code).exists():
        log("项目资金台账已有数据，跳过")
        return
    project_rows, fund_rows = rows(county, seed)
    sheets = {
        PROJECT_SHEET: Sheet(
            PROJECT_SHEET, 1, [c.header for c in PROJECT_COLUMNS], project_rows, 2
        ),
        FUND_SHEET: Sheet(FUND_SHEET, 1, [c.header for c in FUND_COLUMNS], fund_rows, 2),
    }
    hq = User.objects.filter(username="hq").first()
    with clock.frozen(LOADED):
        plan = importer.plan_import(sheets, user=hq)
        if not plan.ok:
            raise RuntimeError("演示项目台账未通过校验：" + "；".join(map(str, plan.problems[:5])))
        actions.apply_import(plan, actor=hq, source="demo", filename="陇县2018年项目资金台账.xlsx")
    log(f"项目资金台账：{len(project_rows)} 个项目，{len(fund_rows)} 笔资金")
