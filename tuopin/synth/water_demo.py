"""Demo water, employment and collective-economy ledgers for 陇县, loaded through the ledgers'
own plan/apply as a county office would on Thursday 19 July 2018, with the gaps a July ledger
has: some villages not yet tested this year, a few points that failed last autumn and were
retested, a failing 入户 report for every household the registry flags as failing (so loading the
reports keeps the exit-assessment story); spells for about half the able poor workers, job fairs
and training (两后生 among them), public-welfare posts; one 股份经济合作社 per village and
collective income with a handful of 空壳村 left and a few villages not yet reported."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from tuopin.jobs import importer as jobs_importer
from tuopin.jobs.layout import ECONOMY, JOBS
from tuopin.jobs.models import Income, Spell
from tuopin.ledger.keyed import apply
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, User
from tuopin.projects.models import Project
from tuopin.registry.models import Household, Person
from tuopin.water import actions as water_actions
from tuopin.water import importer as water_importer
from tuopin.water.layout import WATER
from tuopin.water.models import SupplyPoint

LOADED = dt.datetime(2018, 7, 19, 17, 0, tzinfo=clock.SHANGHAI)
GOOD = "浑浊度={t}；pH={ph}；菌落总数={c}；总大肠菌群=0；砷=0.00{a}；氟化物=0.{f}"
BAD = ("浑浊度=0.6；pH=7.4；砷=0.05；氟化物=0.4", "浑浊度=2.8；菌落总数=320；总大肠菌群=4")
LABS = ("陇县疾病预防控制中心", "宝鸡市水质监测站", "陇县水利工作站")


def _sheet(ledger, name: str, rows: list[dict]) -> Sheet:
    headers = [column.header for column in ledger.sheets[name]]
    return Sheet(name, 1, headers, [[row.get(h, "") for h in headers] for row in rows], 2)


def _load(plan_fn, apply_fn, ledger, sheets: dict[str, list[dict]], hq, filename: str):
    sheet_objects = {name: _sheet(ledger, name, rows) for name, rows in sheets.items() if rows}
    plan = plan_fn(sheet_objects, user=hq)
    if not plan.ok:
        raise RuntimeError(
            f"演示{ledger.title}未通过校验：" + "；".join(map(str, plan.problems[:5]))
        )
    apply_fn(plan, actor=hq, source="demo", filename=filename)
    return plan


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def water_rows(villages, rng: random.Random):
    """The reports agree with the registry's 水质达标 (the registry demo's failing households get
    a failing 入户 report), so loading them keeps the exit-assessment story: what fails, fails
    for a reason one can open. Point reports that failed last year were retested this year."""
    households: dict[int, list[tuple[str, bool]]] = {}
    for village_id, number, ok in (
        Household.objects.filter(village__in=villages, is_registered=True, is_active=True)
        .order_by("household_no")
        .values_list("village_id", "household_no", "water_quality_ok")
    ):
        households.setdefault(village_id, []).append((number, ok))
    water_projects = dict(
        Project.objects.filter(kind="water", place__in=villages).values_list("place_id", "code")
    )
    points, services, tests = [], [], []
    today = LOADED.date()
    for index, village in enumerate(villages):
        found = households.get(village.pk, [])
        central = rng.random() < 0.82
        point = f"GS{village.code[6:]}01"
        points.append(
            {
                "供水点编号": point,
                "供水点名称": f"{village.name}{'集中供水站' if central else '分散供水井'}",
                "所在村代码": village.code,
                "供水方式": "集中供水" if central else "分散供水",
                "水源": rng.choice(("地下水", "山泉水", "水库水")),
                "供水工程": f"{village.name}人饮工程",
                "建设项目编号": water_projects.get(village.pk, ""),
            }
        )
        served = found if central else found[: len(found) // 2]
        services.extend({"供水点编号": point, "户编号": n} for n, _ in served)
        failing = [n for n, ok in found if not ok]
        if rng.random() < 0.14:  # the July gap: not tested yet this year
            if not failing and rng.random() < 0.5:
                tests.append(
                    _report(f"JC2017{index:04d}", point, None, dt.date(2017, 9, 12), rng, False)
                )
            continue
        if rng.random() < 0.1:  # failed last autumn, fixed and retested this year
            tests.append(
                _report(f"JC2017{index:04d}", point, None, dt.date(2017, 10, 9), rng, True)
            )
        tested = _day(rng, dt.date(2018, 3, 1), today - dt.timedelta(days=10))
        tests.append(_report(f"JC2018{index:04d}", point, None, tested, rng, False))
        own = [n for n, ok in found[len(served) :][:4] if ok] + failing
        for k, number in enumerate(own):
            later = _day(rng, tested, today - dt.timedelta(days=3))
            tests.append(
                _report(f"RH2018{index:04d}{k:03d}", "", number, later, rng, number in failing)
            )
    return points, services, tests


def _report(number, point, household, day, rng, failing) -> dict:
    values = (
        rng.choice(BAD)
        if failing
        else GOOD.format(
            t=round(rng.uniform(0.1, 0.9), 1),
            ph=round(rng.uniform(6.8, 8.1), 1),
            c=rng.randint(3, 60),
            a=rng.randint(1, 6),
            f=rng.randint(2, 8),
        )
    )
    return {
        "报告编号": number,
        "供水点编号": point,
        "户编号": household or "",
        "检测日期": day.isoformat(),
        "检测机构": rng.choice(LABS),
        "水样类型": "入户水样" if household else "末梢水",
        "检测指标": values,
    }


def jobs_rows(county: OrgUnit, villages, rng: random.Random):
    today = LOADED.date()
    towns = list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN).order_by("code"))
    people = list(
        Person.objects.filter(
            household__village__in=villages,
            household__is_registered=True,
            household__is_active=True,
            is_active=True,
            labour_skill__in=("1", "2"),
            birth_date__gt=dt.date(1958, 1, 1),
            birth_date__lte=dt.date(2002, 7, 19),
        )
        .order_by("id_number")
        .values_list("id_number", "household__village__code", "household__relocation")
    )
    spells, attendance, posts = [], [], []
    places = ("省外", "省内县外", "县内乡外", "乡镇内")
    channels = ("劳务协作", "招聘会", "社区工厂", "自主创业", "其他")
    by_village: dict[str, list[str]] = {}
    for number, village_code, relocation in people:
        by_village.setdefault(village_code, []).append(number)
        share = 0.8 if relocation in ("central_keys", "dispersed_moved_in") else 0.52
        if rng.random() < share:
            start = _day(rng, dt.date(2017, 9, 1), today - dt.timedelta(days=10))
            ended = rng.random() < 0.12
            spells.append(
                {
                    "证件号码": number,
                    "务工地点": rng.choices(places, (35, 25, 25, 15))[0],
                    "就业渠道": rng.choices(channels, (30, 20, 15, 10, 25))[0],
                    "用工单位": rng.choice(("苏州某电子厂", "宝鸡某建筑公司", "陇县社区工厂", "")),
                    "开始日期": start.isoformat(),
                    "结束日期": _day(rng, start, today).isoformat() if ended else "",
                    "月收入（元）": rng.randrange(1800, 5200, 100),
                }
            )
    trainings = []
    for index, town in enumerate(towns):
        for k, (kind, name) in enumerate(
            (
                ("两后生培训", "两后生职业技能培训"),
                ("技能培训", "电焊工培训"),
                ("实用技术培训", "苹果矮化栽培培训"),
            )
        ):
            if rng.random() < 0.25:
                continue  # not held yet by July
            code = f"PX2018{index:02d}{k}"
            start = _day(rng, dt.date(2018, 3, 1), today - dt.timedelta(days=5))
            trainings.append(
                {
                    "培训编号": code,
                    "培训名称": f"{town.name}{name}",
                    "培训类别": kind,
                    "所在地代码": town.code,
                    "开始日期": start.isoformat(),
                    "学时": rng.choice((24, 40, 56)),
                }
            )
            pool = [
                n for code_, ns in by_village.items() if code_.startswith(town.code) for n in ns
            ]
            for number in rng.sample(pool, min(len(pool), rng.randint(15, 40))):
                attendance.append({"培训编号": code, "证件号码": number, "结业": "是"})
    fairs = [
        {"招聘会编号": f"ZP2018{i:02d}", "举办日期": _day(rng, dt.date(2018, 2, 20), today).isoformat(),
         "举办地点": place, "所在地代码": code, "参会企业数": rng.randint(20, 80), "提供岗位数": rng.randint(300, 1500),
         "参会贫困劳动力": (a := rng.randint(150, 600)), "录用贫困劳动力": rng.randint(20, a // 3)}
        for i, (place, code) in enumerate([("县城人民广场", county.code), *((f"{t.name}政府", t.code) for t in towns[:4])])
    ]  # fmt: skip
    working = {row["证件号码"] for row in spells if not row["结束日期"]}
    for village in villages:
        candidates = [n for n in by_village.get(village.code, []) if n not in working]
        for k in range(2 if candidates else 0):
            holder = candidates[k] if k < len(candidates) and rng.random() < 0.9 else ""
            posts.append({"岗位编号": f"GY{village.code[6:]}{k}", "岗位名称": ("护林员", "保洁员")[k],
                          "岗位类别": "公益性岗位" if k == 0 else "特设公岗", "所在村代码": village.code,
                          "在岗人员证件号码": holder, "月补贴（元）": 500 if k == 0 else 800,
                          "开始日期": "2018-01-01", "结束日期": "2018-12-31"})  # fmt: skip
    return {
        "务工": spells,
        "招聘会": fairs,
        "培训": trainings,
        "培训人员": attendance,
        "公益岗位": posts,
    }


def economy_rows(villages, rng: random.Random):
    coops, income = [], []
    for village in villages:
        coops.append({"所在村代码": village.code, "年度": 2018, "名称": f"{village.name}股份经济合作社",
                      "类别": "股份经济合作社", "已登记赋码": "是" if rng.random() < 0.9 else "否",
                      "成员数": rng.randint(300, 1800), "资产（万元）": round(rng.uniform(20, 400), 2)})  # fmt: skip
        for year in (2017, 2018):
            roll = rng.random()
            if year == 2018 and roll < 0.06:
                continue  # not reported yet
            hollow = roll < (0.3 if year == 2017 else 0.12)
            if not hollow:
                income.append({"所在村代码": village.code, "年度": year, "收入来源": rng.choice(("经营收入", "发包及上交收入", "投资收益")),
                               "金额（万元）": round(rng.uniform(1, 12), 2)})  # fmt: skip
            income.append({"所在村代码": village.code, "年度": year, "收入来源": "补助收入",
                           "金额（万元）": round(rng.uniform(2, 8), 2)})  # fmt: skip
    return {"集体经济组织": coops, "集体收入": income}


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    if SupplyPoint.objects.filter(village__code__startswith=county.code).exists():
        log("安全饮水、就业和集体经济台账已有数据，跳过")
        return
    rng = random.Random(f"{seed}:water")
    villages = list(OrgUnit.objects.under(county.code).villages().order_by("code"))
    hq = User.objects.filter(username="hq").first()
    with clock.frozen(LOADED):
        points, services, tests = water_rows(villages, rng)
        _load(water_importer.plan_import, water_actions.apply_import, WATER,
              {"供水点": points, "受益农户": services, "水质检测": tests}, hq, "陇县2018年安全饮水台账.xlsx")  # fmt: skip
        log(
            f"安全饮水台账：{len(points)} 个供水点，{len(services)} 户受益，{len(tests)} 份检测报告"
        )
        sheets = jobs_rows(county, villages, rng)
        _load(jobs_importer.plan_jobs, lambda plan, **kw: apply(plan, "jobs", **kw), JOBS, sheets, hq, "陇县2018年就业台账.xlsx")  # fmt: skip
        log(
            f"就业台账：{Spell.objects.count()} 段务工，{len(sheets['培训人员'])} 人次培训，{len(sheets['公益岗位'])} 个公益岗位"
        )
        economy = economy_rows(villages, rng)
        _load(jobs_importer.plan_economy, lambda plan, **kw: apply(plan, "economy", **kw), ECONOMY, economy, hq, "陇县村集体经济台账.xlsx")  # fmt: skip
        total = sum((row.amount for row in Income.objects.all()), Decimal(0))
        log(f"村集体经济台账：{len(economy['集体经济组织'])} 个集体经济组织，集体收入 {total} 万元")
