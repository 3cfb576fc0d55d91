"""Demo ledgers for 陇县: problems, petitions, inspections and rectifications up to clock.now().

Every case is driven through the real actions (``tuopin.cases.actions``) at its own frozen
moment, so events, stage clocks, pauses, breaches and ratings are exactly what the system would
have recorded; the escalation pass then catches up to now. Some cases are on time, some overdue,
some paused waiting for the petitioner, some reopened after an unsatisfied rating. A few
petitions' tracking codes are printed so the public page can be tried.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from tuopin.cases import actions
from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import Case, CaseEvent, Kind, Rating, Source
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, Role, UnitKind, User

START = dt.datetime(2018, 6, 11, 9, 0, tzinfo=clock.SHANGHAI)

PETITIONS = [
    ("低保评定不公开", "反映村里低保评定未经村民代表评议，未张榜公示", "县民政局"),
    ("危房改造补助未到位", "反映危房改造已验收三个月，补助资金仍未发放", "县住建局"),
    ("贫困户识别有误", "反映邻居家有小轿车和门面房却被识别为贫困户", None),
    ("易地搬迁新房漏水", "反映集中安置点新房屋顶漏水，多次反映无人维修", "县住建局"),
    ("孩子上学补助未发", "反映家中两个孩子的教育资助本学期未收到", "县教育局"),
    ("大病报销比例有疑问", "反映住院报销比例低于宣传的健康扶贫政策", "县卫计局"),
    ("饮水不稳定", "反映组上自来水经常停水，一停就是好几天", "县水利局"),
    ("产业奖补未兑现", "反映去年养牛的产业奖补至今没有兑现", "县农业局"),
    ("公益岗位工资拖欠", "反映村上公益性岗位工资已拖欠两个月", "县人社局"),
    ("通村道路损毁", "反映雨后通组道路塌方，群众出行困难", "县交通局"),
]
DISCIPLINE = [
    ("驻村工作队员不在岗", "暗访发现驻村工作队员连续多日不在村，工作日志补记"),
    ("帮扶干部入户走访不实", "抽查发现帮扶手册走访记录与群众反映不一致"),
    ("扶贫资金拨付滞后", "产业扶贫资金到村后滞留超过两个月未拨付到户"),
    ("村干部优亲厚友", "反映村干部将亲属纳入低保和公益岗位"),
    ("工作作风漂浮", "镇村干部对群众反映问题推诿扯皮"),
]
INSPECTION = [
    ("户档案信息不一致", "抽查户档案中收入数据与系统数据不一致"),
    ("“七到户”资料缺失", "部分贫困户缺少产业项目和政策落实佐证资料"),
    ("村容村貌未达标", "村内有垃圾堆放、污水横流，未达到“三无一规范一眼净”"),
    ("爱心超市运行不规范", "积分兑换台账不全，兑换记录未公示"),
]
FINDINGS = [
    ("驻村干部未在岗", "驻村工作队应在岗{expected}人，实到{present}人"),
    ("户档案不合格", "抽查{checked}户档案，{bad}户收入核算有误或资料缺失"),
    ("时间节点滞后", "对照作战计划时间节点，安全住房鉴定进度滞后"),
]


def _working_hours(rng: random.Random, moment: dt.datetime) -> dt.datetime:
    """Move a moment into office hours on a weekday (staff act at work)."""
    moment = moment.replace(hour=rng.randint(8, 17), minute=rng.choice([0, 15, 30, 45]))
    while moment.weekday() >= 5:
        moment += dt.timedelta(days=1)
    return moment


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    if Case.objects.filter(org_code__startswith=county.code).exists():
        log("问题台账已有数据，跳过")
        return
    rng = random.Random(f"{seed}:cases")
    now = clock.now()
    towns = list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN).order_by("code"))
    villages = list(OrgUnit.objects.under(county.code).filter(level=Level.VILLAGE).order_by("code"))
    units = {u.name: u for u in ResponsibleUnit.objects.filter(is_active=True)}
    town_units = {u.org_unit_id: u for u in units.values() if u.kind == UnitKind.TOWN}
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    hq, inspector, leader = users["hq"], users["inspector"], users["leader"]
    cadres = {u.scope_id: u for u in users.values() if u.role == Role.TOWN_CADRE and u.scope_id}
    reporters = {u.unit_id: u for u in users.values() if u.role == Role.UNIT_REPORTER and u.unit_id}
    town_of = {town.code: town for town in towns}
    printed: list[str] = []
    counts = {"cases": 0, "visits": 0}

    def at(moment: dt.datetime, function, *args, **kwargs):
        with clock.frozen(moment):
            return function(*args, **kwargs)

    def handler_for(unit: ResponsibleUnit) -> User:
        return reporters[unit.pk]

    def drive(case: Case, moment: dt.datetime, *, unit: ResponsibleUnit, profile: str) -> None:
        """Move the case forward with plausible delays until the next step would be after now."""
        slow = profile == "slow"
        steps = [
            ("accept", rng.uniform(0.1, 2) if not slow else rng.uniform(3, 12)),
            ("assign", rng.uniform(0.1, 1.5) if not slow else rng.uniform(2, 6)),
            ("start", rng.uniform(0.1, 2)),
            ("resolve", rng.uniform(3, 25) if not slow else rng.uniform(25, 60)),
            ("verify", rng.uniform(0.5, 4)),
            ("close", rng.uniform(0.1, 2)),
        ]
        if case.state != "registered":
            steps = steps[2:]
        paused = profile == "paused"
        for name, days in steps:
            moment = _working_hours(rng, moment + dt.timedelta(days=days))
            if paused and name == "resolve":
                pause_at = _working_hours(rng, moment - dt.timedelta(days=rng.uniform(2, 6)))
                if pause_at >= now:
                    return
                at(
                    pause_at,
                    actions.pause_case,
                    handler_for(unit),
                    case,
                    reason="等待信访人补充相关证明材料",
                )
                resume_at = _working_hours(rng, pause_at + dt.timedelta(days=rng.uniform(5, 40)))
                if resume_at >= now:
                    return
                at(resume_at, actions.resume_case, handler_for(unit), case, note="信访人已补充材料")
                moment = max(moment, resume_at + dt.timedelta(days=2))
            if moment >= now:
                return
            if name == "accept":
                at(moment, actions.accept_case, hq, case, note="符合受理条件")
                if case.kind == Kind.PETITION:
                    code = "".join(rng.choice(actions.TRACKING_ALPHABET) for _ in range(12))
                    Case.objects.filter(pk=case.pk).update(tracking_code=code)
                    if len(printed) < 5:
                        printed.append(
                            f"  {case.number} 查询码 {actions.format_tracking_code(code)}，"
                            f"手机后四位 {case.reporter_phone[-4:]}"
                        )
            elif name == "assign":
                at(moment, actions.assign_case, hq, case, unit=unit, note="请按时限办理并反馈")
            elif name == "start":
                at(moment, actions.start_case, handler_for(unit), case)
            elif name == "resolve":
                at(
                    moment,
                    actions.resolve_case,
                    handler_for(unit),
                    case,
                    resolution="经调查核实，已按政策处理到位，并向当事人反馈",
                )
                if case.kind == Kind.PETITION and rng.random() < 0.8:
                    rating = rng.choices(
                        [Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], [7, 2, 1]
                    )[0]
                    rated = moment + dt.timedelta(days=rng.uniform(0.5, 3))
                    if rated < now:
                        at(
                            rated,
                            actions.rate_petition,
                            Case.objects.get(pk=case.pk),
                            rating=rating,
                            comment="" if rating != Rating.UNSATISFIED else "问题没有真正解决",
                        )
                        if rating == Rating.UNSATISFIED:
                            return
            elif name == "verify":
                verifier = inspector if rng.random() < 0.6 else leader
                at(moment, actions.verify_case, verifier, case, note="经核查，办理结果属实")
            elif name == "close":
                at(moment, actions.close_case, hq, case, note="办结销号")

    def new_case(
        kind: str,
        moment: dt.datetime,
        org_unit: OrgUnit,
        title: str,
        content: str,
        *,
        source: str,
        registrar: User,
        **extra,
    ) -> Case:
        counts["cases"] += 1
        return at(
            moment,
            actions.register_case,
            registrar,
            kind=kind,
            source=source,
            title=title,
            content=content,
            org_unit=org_unit,
            **extra,
        )

    span = (now - START).total_seconds()
    plan = [Kind.PETITION] * 60 + [Kind.DISCIPLINE] * 30 + [Kind.INSPECTION] * 16
    rng.shuffle(plan)
    moments = sorted(
        _working_hours(rng, START + dt.timedelta(seconds=rng.uniform(0, span - 86400)))
        for _ in plan
    )
    for kind, moment in zip(plan, moments, strict=True):
        village = rng.choice(villages)
        town = town_of[village.code[:9]]
        profile = rng.choices(["normal", "slow", "paused"], [6, 3, 1])[0]
        if kind == Kind.PETITION:
            title, content, department = rng.choice(PETITIONS)
            unit = units[department] if department and rng.random() < 0.6 else town_units[town.pk]
            case = new_case(
                kind,
                moment,
                village,
                title,
                content,
                source=rng.choice([Source.VISIT, Source.LETTER, Source.PHONE, Source.HOTLINE]),
                registrar=cadres[town.pk],
                reporter_name=rng.choice("王李张刘陈杨赵周吴孙")
                + rng.choice(["某某", "先生", "女士"]),
                reporter_phone=f"13{rng.randint(100000000, 999999999)}",
            )
        elif kind == Kind.DISCIPLINE:
            title, content = rng.choice(DISCIPLINE)
            unit = units["县纪委"] if rng.random() < 0.4 else town_units[town.pk]
            profile = "slow" if profile == "paused" else profile
            case = new_case(
                kind,
                moment,
                village,
                title,
                content,
                source=rng.choice([Source.UNANNOUNCED, Source.AUDIT, Source.SUPERIOR]),
                registrar=inspector,
                subject=f"{village.name}相关干部",
            )
        else:
            title, content = rng.choice(INSPECTION)
            unit = town_units[town.pk]
            profile = "slow" if profile == "paused" else profile
            case = new_case(
                kind, moment, village, title, content, source=Source.INSPECTION, registrar=inspector
            )
        drive(case, moment, unit=unit, profile=profile)

    # Inspection visits (督查督战 and 暗访) with findings that become rectification cases.
    for number in range(8):
        moment = _working_hours(rng, START + dt.timedelta(days=3 + number * (span / 86400 - 6) / 8))
        if moment >= now:
            break
        village = rng.choice([v for v in villages if v.is_poor_village] or villages)
        town = town_of[village.code[:9]]
        expected = rng.randint(3, 5)
        present = expected - rng.choice([0, 0, 1, 2])
        checked = rng.randint(8, 15)
        bad = rng.choice([0, 1, 2, 3])
        visit = at(
            moment,
            actions.record_visit,
            inspector,
            org_unit=village,
            visited_on=moment.date(),
            inspectors=f"县督查督战第{number % 4 + 1}组",
            is_unannounced=number % 3 == 0,
            cadres_expected=expected,
            cadres_present=present,
            files_checked=checked,
            files_ok=checked - bad,
            progress_note="对照百日冲刺作战计划逐项检查",
        )
        counts["visits"] += 1
        findings = []
        if present < expected:
            findings.append(FINDINGS[0])
        if bad:
            findings.append(FINDINGS[1])
        if rng.random() < 0.4:
            findings.append(FINDINGS[2])
        for title, template in findings:
            due = (moment + dt.timedelta(days=rng.choice([7, 10, 15]))).date()
            case = at(
                moment,
                actions.record_finding,
                inspector,
                visit,
                title=title,
                content=template.format(
                    expected=expected, present=present, checked=checked, bad=bad
                ),
                unit=town_units[town.pk],
                due_on=due,
            )
            counts["cases"] += 1
            drive(
                case,
                moment,
                unit=town_units[town.pk],
                profile=rng.choices(["normal", "slow"], [2, 1])[0],
            )

    escalate_overdue(now)
    escalated = CaseEvent.objects.filter(
        action="escalate", case__org_code__startswith=county.code
    ).count()
    log(
        f"已生成问题台账：{counts['cases']} 件（含督查整改），督查记录 {counts['visits']} 次，"
        f"超期督办 {escalated} 次"
    )
    if printed:
        log("信访件查询（公开页面 /cases/track/）：")
        for line in printed:
            log(line)
