"""Demo command loop for 陇县 up to clock.now(): leaders 包镇, the duty roster with sign-ins,
field visits whose problems became cases, two face-to-face meetings whose instructions are
tracked (one overdue, escalated), accountability decisions, 排查 rounds with mediated disputes
handed up the levels, and a few petitions filed online.

Everything goes through the real actions at its own frozen moment, as in ``cases_demo``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from tuopin.cases import actions as case_actions
from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import Case, Kind, Outcome, Source, State
from tuopin.command import actions
from tuopin.command.actions import InstructionInput, ProblemInput
from tuopin.command.models import Meeting
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, Person, ResponsibleUnit, Role, UnitKind, User

INSTRUCTIONS = [
    [
        ("协调县财政局本周内拨付第二批通村道路硬化资金", "县交通局", 5),
        ("组织对全县安全住房鉴定滞后的村逐户核查", "县住建局", 7),
        ("落实贫困家庭学生资助发放情况专项检查", "县教育局", 10),
        ("对饮水不稳定的组制定应急供水方案", "县水利局", 4),
    ],
    [
        ("督促各镇本周完成户档案信息比对", "县扶贫办", 6),
        ("研究产业奖补资金兑现滞后问题并提出办法", "县农业局", 8),
        ("核查公益性岗位工资发放情况", "县人社局", 5),
    ],
]
VISIT_WORK = [
    "安全住房和饮水工程进度",
    "产业扶贫项目和到户资金",
    "驻村工作队在岗和户档案",
    "易地搬迁安置点入住情况",
    "村容村貌整治",
]
VISIT_PROBLEMS = [
    "两户危房改造至今未开工",
    "安置点部分房屋漏水未维修",
    "个别户档案收入数据前后不一",
    "村内垃圾清运不及时",
]
DISPUTES = [
    "宅基地边界纠纷",
    "土地承包经营权纠纷",
    "邻里排水纠纷",
    "赡养老人纠纷",
    "林地界址纠纷",
    "务工工资纠纷",
]
ONLINE = [
    ("李秀英", "13992001234", "低保评议没有张榜公示，希望核实评议过程并公开结果。"),
    ("王建国", "13709175678", "村里的自来水已经停了三天，组上老人吃水要到河边挑，请尽快修复。"),
    ("张桂兰", "15891234567", "去年养牛的产业奖补到现在没有兑现，请帮忙落实。"),
]


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    if Meeting.objects.exists():
        log("指挥调度已有数据，跳过")
        return
    rng = random.Random(f"{seed}:command")
    now = clock.now()
    today = clock.local(now).date()
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    if "hq" not in users:
        log("指挥调度：没有县脱贫办账号，跳过")
        return
    hq, leader_user, inspector = users["hq"], users.get("leader"), users.get("inspector")
    cadres = {u.scope_id: u for u in users.values() if u.role == Role.TOWN_CADRE and u.scope_id}
    reporters = {u.unit_id: u for u in users.values() if u.role == Role.UNIT_REPORTER and u.unit_id}
    leaders = list(Person.objects.filter(is_leader=True).exclude(name="").order_by("pk"))
    towns = list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN).order_by("code"))
    units = {u.name: u for u in ResponsibleUnit.objects.filter(is_active=True)}
    town_units = {u.org_unit_id: u for u in units.values() if u.kind == UnitKind.TOWN}
    if not leaders or not towns:
        log("指挥调度：没有县级领导或镇，跳过")
        return

    def at(moment: dt.datetime, function, *args, **kwargs):
        with clock.frozen(moment):
            return function(*args, **kwargs)

    def day_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return clock.at(day, hour, minute)

    # 包镇: each town has a county leader from the campaign's start.
    start = dt.date(2018, 6, 11)
    assignments = {}
    for index, town in enumerate(towns):
        leader = leaders[index % len(leaders)]
        at(day_at(start, 9), actions.assign_town, hq, leader=leader, town=town, since=start)
        assignments[town.pk] = leader

    # 坐班: one leader a working day from 2 July to next Friday; 葛管社 today (to sign in live).
    shifts = 0
    day = dt.date(2018, 7, 2)
    first = leaders[0]
    while day <= today + dt.timedelta(days=7):
        if day.weekday() < 5:
            leader = first if day == today else leaders[(day.toordinal()) % len(leaders)]
            shift = at(
                day_at(dt.date(2018, 6, 29), 17), actions.schedule_duty, hq, day=day, leader=leader
            )
            shifts += 1
            if day < today and rng.random() < 0.85:
                at(day_at(day, 8, rng.choice([20, 30, 40, 50])), actions.sign_in, hq, shift)
        day += dt.timedelta(days=1)

    # Field visits: most towns visited within 14 days, two not (the metric shows them).
    visits = problems = 0
    for index, town in enumerate(towns):
        leader = assignments[town.pk]
        recent = index >= 2
        count = rng.randint(2, 4)
        villages = list(OrgUnit.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"))
        for number in range(count):
            back = rng.randint(1, 12) if recent else rng.randint(16, 35)
            visited_on = today - dt.timedelta(days=back + number * 3)
            if visited_on < start:
                continue
            place = rng.choice(villages) if villages and rng.random() < 0.7 else town
            found = []
            if rng.random() < 0.4 and town.pk in town_units:
                found.append(
                    ProblemInput(
                        title=rng.choice(VISIT_PROBLEMS),
                        content="",
                        unit=town_units[town.pk],
                        due_on=visited_on + dt.timedelta(days=rng.randint(10, 20)),
                    )
                )
            actor = leader_user if leader_user and leader_user.person_id == leader.pk else hq
            at(
                day_at(visited_on, 18),
                actions.record_visit,
                actor,
                leader=leader,
                visited_on=visited_on,
                org_unit=place,
                inspected=rng.choice(VISIT_WORK),
                problems=found,
            )
            visits += 1
            problems += len(found)

    # Two face-to-face meetings (Fridays after the deadline) with tracked instructions.
    instructions = 0
    for held_on, items in zip(
        (dt.date(2018, 7, 6), dt.date(2018, 7, 13)), INSTRUCTIONS, strict=True
    ):
        if held_on > today:
            continue
        moment = day_at(held_on, 15)
        chosen = [
            InstructionInput(
                text=text,
                unit=units[name],
                due_on=held_on + dt.timedelta(days=days),
                leader=first.display_name,
            )
            for text, name, days in items
            if name in units
        ]
        meeting = at(
            moment,
            actions.record_meeting,
            hq,
            held_on=held_on,
            chair=first.display_name,
            attendees="、".join(p.display_name for p in leaders[:5]) + "，各责任单位主要负责人",
            discussion="听取各专项行动进展汇报，研究资金拨付、安全住房鉴定和饮水保障问题。",
            heard=[
                (units[name], "本周工作按计划推进，存在问题已在周报中说明")
                for _, name, _ in items
                if name in units
            ],
            instructions=chosen,
        )
        for index, instruction in enumerate(meeting.instructions.select_related("case", "unit")):
            instructions += 1
            handler = reporters.get(instruction.unit_id)
            case = instruction.case
            if handler is None:
                continue
            begun = moment + dt.timedelta(days=1)
            if begun < now:
                at(begun, case_actions.start_case, handler, case)
            # The first meeting's items are done except one (overdue, escalated); the second's run.
            done = held_on == dt.date(2018, 7, 6) and index != 1
            finish = day_at(instruction.due_on, 16) - dt.timedelta(days=1)
            if done and finish < now:
                at(finish, case_actions.resolve_case, handler, case, resolution="已按要求办结")
                if leader_user is not None:
                    at(finish + dt.timedelta(hours=18), case_actions.verify_case, leader_user, case)
                    at(finish + dt.timedelta(hours=20), case_actions.close_case, hq, case)

    # 排查 rounds in every village of three towns; disputes mediated at their levels.
    sweeps = disputes = 0
    for town in towns[:3]:
        for village in OrgUnit.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"):
            found = rng.choice([0, 0, 1, 1, 2, 3])
            cadre = cadres.get(town.pk)
            if cadre is None:
                continue
            at(
                day_at(dt.date(2018, 7, 2), 17),
                case_actions.record_sweep,
                cadre,
                org_unit=village,
                round_label="2018年7月第一轮",
                swept_on=dt.date(2018, 7, 2),
                disputes_found=found,
            )
            sweeps += 1
            unit = town_units.get(town.pk)
            for _ in range(found):
                if unit is None:
                    break
                disputes += 1
                moment = day_at(dt.date(2018, 7, 3), rng.randint(9, 16))
                case = at(
                    moment,
                    case_actions.register_case,
                    cadre,
                    kind=Kind.MEDIATION,
                    source=Source.SWEEP,
                    title=rng.choice(DISPUTES),
                    content=f"{village.name}排查发现，双方多次协商未果",
                    org_unit=village,
                )
                at(moment + dt.timedelta(hours=2), case_actions.accept_case, hq, case)
                at(moment + dt.timedelta(hours=3), case_actions.assign_case, hq, case, unit=unit)
                at(moment + dt.timedelta(hours=4), case_actions.start_case, cadre, case)
                fate = rng.random()
                settle_at = moment + dt.timedelta(days=rng.randint(2, 6))
                if fate < 0.6:
                    at(
                        settle_at,
                        case_actions.resolve_case,
                        cadre,
                        case,
                        resolution="村调委会主持调解，双方签订调解协议",
                        outcome=Outcome.SETTLED,
                    )
                elif fate < 0.85:
                    at(
                        settle_at,
                        case_actions.hand_over,
                        cadre,
                        case,
                        unit=unit,
                        note="村级调解不成，移交镇综治中心",
                    )
                    at(settle_at + dt.timedelta(hours=1), case_actions.start_case, cadre, case)
                    later = settle_at + dt.timedelta(days=rng.randint(3, 9))
                    if later < now:
                        at(
                            later,
                            case_actions.resolve_case,
                            cadre,
                            case,
                            resolution="镇司法所调解成功",
                            outcome=Outcome.SETTLED,
                        )
                else:
                    at(
                        settle_at,
                        case_actions.resolve_case,
                        cadre,
                        case,
                        resolution="调解不成，引导当事人依法起诉",
                        outcome=Outcome.TO_COURT,
                    )

    # The office checks settled disputes and takes them off the ledger.
    for case in Case.objects.filter(kind=Kind.MEDIATION, state=State.RESOLVED).order_by("pk"):
        checked = case.resolved_at + dt.timedelta(days=1)
        if inspector is not None and checked < now:
            at(checked, case_actions.verify_case, inspector, case, note="回访当事人，协议已履行")
            at(checked + dt.timedelta(hours=1), case_actions.close_case, hq, case)

    # Petitions filed online (verified phones): they wait at 登记 for HQ.
    village = OrgUnit.objects.filter(parent=towns[0], level=Level.VILLAGE).order_by("code").first()
    codes = []
    for index, (name, phone, content) in enumerate(ONLINE):
        moment = now - dt.timedelta(days=index + 1, hours=3)
        case = at(
            moment,
            case_actions.register_public,
            kind=Kind.PETITION,
            source=Source.ONLINE,
            title=f"网上信访：{content[:20]}",
            content=content,
            org_unit=village or towns[0],
            reporter_name=name,
            reporter_phone=phone,
            origin="public",
            tracking_code=case_actions.new_tracking_code(),
        )
        codes.append(
            f"  {case_actions.format_tracking_code(case.tracking_code)}（手机尾号 {phone[-4:]}）"
        )

    # Accountability: decided by people, recorded by HQ.
    health = units.get("县卫计局") or next(iter(units.values()))
    at(
        day_at(dt.date(2018, 7, 12), 16),
        actions.record_measure,
        hq,
        subject_unit=units.get("县交通局", health),
        subject_person="",
        reason_kind="case",
        reason="督查整改问题超过整改期限10天未办结",
        measure="talk",
        decided_on=dt.date(2018, 7, 12),
        decided_by=f"县脱贫攻坚指挥部（{first.display_name}）",
        evidence="问题台账办理记录",
    )
    if dt.date(2018, 7, 19) <= today:
        at(
            day_at(dt.date(2018, 7, 19), 16),
            actions.record_measure,
            hq,
            subject_unit=health,
            subject_person="",
            reason_kind="report",
            reason="连续3周周报迟报",
            measure="criticism",
            decided_on=dt.date(2018, 7, 19),
            decided_by=f"县脱贫攻坚指挥部（{first.display_name}）",
            evidence="第4至6周周报时效记录",
        )
    escalate_overdue(now)
    log(
        f"指挥调度：包镇{len(towns)}个镇，坐班{shifts}天，领导调研{visits}次（发现问题{problems}个），"
        f"面对面会议交办事项{instructions}件，排查{sweeps}个村、矛盾纠纷{disputes}件，网上信访{len(codes)}件"
    )
    if codes:
        log("网上信访查询码（/cases/track/）：")
        for line in codes:
            log(line)
