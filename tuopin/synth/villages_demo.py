"""Demo 四支队伍 and village checks for 陇县: a roster for every village (loaded through the ledger
engine's own import in May, with a few teams left incomplete and a few replacements), the June
轮训 and a July 专题 course, and a July's worth of presence checks and checklist inspections through
the real actions at their own frozen moments — so the absences that repeat open their 纪律问题
cases, failed checklist items become 整改 cases held by the towns, and some villages pass at a
re-inspection."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, Role, User
from tuopin.synth.registry_gen import GIVEN, SURNAMES
from tuopin.villages import actions, importer, shipped
from tuopin.villages.actions import Answer, Presence
from tuopin.villages.codes import Absence, CheckKind, ItemMode, Team
from tuopin.villages.layout import TEAM_COLUMNS, TEAM_SHEET, TRAINING_COLUMNS, TRAINING_SHEET
from tuopin.villages.metrics import CLEANING, CLINIC, DEMO_SITE, FUZHI, SANWU, SUPERMARKET
from tuopin.villages.models import ChecklistTemplate, TeamMember

ROSTER_LOADED = dt.datetime(2018, 5, 10, 16, 0, tzinfo=clock.SHANGHAI)
TRAINING_LOADED = dt.datetime(2018, 6, 29, 17, 0, tzinfo=clock.SHANGHAI)
JULY = dt.date(2018, 7, 2)

TEAM_LABEL = {
    Team.FIRST_SECRETARY: "第一书记",
    Team.WORK_TEAM: "驻村工作队",
    Team.HELPER: "帮扶干部",
    Team.COMMITTEE: "村两委",
}
COMMITTEE_ROLES = ["村党支部书记", "村委会主任", "村文书", "村监委会主任", "妇女主任"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def roster_rows(villages: list[OrgUnit], units: list[str], rng: random.Random) -> list[list]:
    """The 队伍 sheet: 1 第一书记, 2–3 队员, 1–2 帮扶干部 (some shared by two villages), 3–5 村两委;
    a few villages short of members, a few replaced secretaries."""
    rows: list[list] = []
    phone = 13909170000
    shared_helper: list | None = None
    for index, village in enumerate(villages):
        unit = units[index % len(units)]
        short = index % 17 == 5  # some teams are incomplete
        started = _day(rng, dt.date(2017, 9, 1), dt.date(2018, 3, 20))
        plan = [(Team.FIRST_SECRETARY, "第一书记兼工作队长", unit)]
        plan += [(Team.WORK_TEAM, "工作队员", unit)] * (1 if short else rng.choice((2, 2, 3)))
        plan += [(Team.HELPER, "帮扶责任人", units[(index + 3) % len(units)])] * rng.choice((1, 2))
        plan += [
            (Team.COMMITTEE, role, "")
            for role in COMMITTEE_ROLES[: (2 if index % 23 == 7 else rng.choice((3, 4, 5)))]
        ]
        for team, role, sent_by in plan:
            phone += rng.randint(1, 37)
            rows.append(
                [
                    village.code,
                    village.name,
                    TEAM_LABEL[team],
                    _name(rng),
                    sent_by or f"{village.name}村委会",
                    role,
                    str(phone),
                    started.isoformat(),
                    "",
                ]
            )
        if index % 29 == 3:
            # A first secretary was replaced in April: the old term ends, the new one starts.
            rows[-len(plan)][8] = "2018-04-15"
            phone += 11
            rows.append(
                [
                    village.code,
                    village.name,
                    "第一书记",
                    _name(rng),
                    unit,
                    "第一书记兼工作队长",
                    str(phone),
                    "2018-04-16",
                    "",
                ]
            )
        if shared_helper is not None and index % 10 == 1:
            # A 帮扶干部 helping households in two villages.
            rows.append([village.code, village.name, *shared_helper[2:]])
            shared_helper = None
        elif index % 10 == 0:
            shared_helper = next(r for r in reversed(rows) if r[2] == "帮扶干部")
    return rows


def training_rows(roster: list[list], rng: random.Random) -> list[list]:
    """The June 轮训 (three sessions, about 88 % of the work teams and helpers attend) and a
    专题 course in July recorded later on the page."""
    sessions = [
        ("2018-05-24", "“四支队伍”轮训（第一期）：精准扶贫政策解读"),
        ("2018-06-07", "“四支队伍”轮训（第二期）：三真一创工作法"),
        ("2018-06-21", "“四支队伍”轮训（第三期）：退出标准与档案规范"),
    ]
    rows = []
    for row in roster:
        if row[8]:
            continue  # left before the training
        if rng.random() < (0.88 if row[2] != "村两委" else 0.7):
            held_on, topic = rng.choice(sessions)
            rows.append([held_on, topic, "轮训", row[0], row[3], row[6]])
    return rows


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    if TeamMember.objects.filter(village__code__startswith=county.code).exists():
        log("驻村队伍已有数据，跳过")
        return
    rng = random.Random(f"{seed}:villages")
    villages = list(OrgUnit.objects.under(county.code).filter(level=Level.VILLAGE).order_by("code"))
    towns = list(OrgUnit.objects.under(county.code).filter(level=Level.TOWN).order_by("code"))
    units = list(
        ResponsibleUnit.objects.filter(kind="department", is_active=True)
        .order_by("name")
        .values_list("name", flat=True)
    ) or ["县脱贫办"]
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    hq, inspector = users["hq"], users["inspector"]

    roster = roster_rows(villages, units, rng)
    training = training_rows(roster, rng)
    with clock.frozen(ROSTER_LOADED):
        _load(hq, {TEAM_SHEET: (TEAM_COLUMNS, roster)}, "陇县四支队伍花名册.xlsx")
        shipped.ship(hq)
    with clock.frozen(TRAINING_LOADED):
        _load(hq, {TRAINING_SHEET: (TRAINING_COLUMNS, training)}, "陇县四支队伍轮训签到.xlsx")
    log(f"驻村队伍：{len(roster)} 人次任职，轮训签到 {len(training)} 人")

    commended = _commend(rng, hq)
    log(f"评选表彰：{commended} 名队伍成员")
    counts = _presence(rng, villages, inspector)
    log(f"在岗检查：{counts['checks']} 次，自动登记纪律问题 {counts['cases']} 件")
    counts = _checklists(rng, villages, towns, hq, inspector)
    log(
        f"清单检查：{counts['inspections']} 次，不合格项交办整改 {counts['cases']} 件，"
        f"复查通过 {counts['passed_again']} 次"
    )


def _load(hq, sheets: dict, filename: str) -> None:
    parsed = {
        name: Sheet(name, 1, [c.header for c in columns], rows, 2)
        for name, (columns, rows) in sheets.items()
    }
    plan = importer.plan_import(parsed, user=hq)
    if not plan.ok:
        raise RuntimeError("演示驻村队伍台账未通过校验：" + "；".join(map(str, plan.problems[:5])))
    importer.apply_import(plan, actor=hq, source="demo", filename=filename)


def _commend(rng: random.Random, hq) -> int:
    """The first county-wide 评选 (18 July): about one 第一书记 or 队员 in twenty."""
    chosen = [
        m
        for m in TeamMember.objects.filter(team__in=(Team.FIRST_SECRETARY, Team.WORK_TEAM))
        .in_post(dt.date(2018, 7, 18))
        .order_by("pk")
        if rng.random() < 0.05
    ]
    with clock.frozen(dt.datetime(2018, 7, 18, 15, 0, tzinfo=clock.SHANGHAI)):
        for member in chosen:
            title = "优秀第一书记" if member.team == Team.FIRST_SECRETARY else "优秀驻村工作队员"
            actions.commend(
                hq, member, title=title, awarded_on=dt.date(2018, 7, 18), awarded_by="县委组织部"
            )
    return len(chosen)


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    return clock.at(day, rng.randint(9, 16), rng.choice((0, 15, 30, 45)))


def _presence(rng: random.Random, villages: list[OrgUnit], inspector) -> dict[str, int]:
    """July: every village checked once or twice (常规督查, 随机抽查 or 暗访); about one member
    in twenty away, most with leave or on duty; a few habitual absentees caught twice."""
    counts = {"checks": 0, "cases": 0}
    absentees = {v.pk for v in villages[3::19]}
    from tuopin.cases.models import Case, Kind

    before = Case.objects.filter(kind=Kind.DISCIPLINE).count()
    for village in villages:
        days = sorted({_day(rng, JULY, dt.date(2018, 7, 19)) for _ in range(rng.choice((1, 2, 2)))})
        if village.pk in absentees and len(days) < 2:
            days = [dt.date(2018, 7, 3), dt.date(2018, 7, 17)]
        for day in days:
            while day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            members = list(
                TeamMember.objects.filter(village=village)
                .in_post(day)
                .exclude(team=Team.COMMITTEE)
                .order_by("pk")
            )
            entries = []
            for position, member in enumerate(members):
                roll = rng.random()
                if village.pk in absentees and position == 1:
                    entries.append(Presence(member, False, Absence.NONE))
                elif roll < 0.03:
                    entries.append(Presence(member, False, Absence.LEAVE))
                elif roll < 0.05:
                    entries.append(Presence(member, False, Absence.DUTY))
                elif roll < 0.06:
                    entries.append(Presence(member, False, Absence.NONE))
                else:
                    entries.append(Presence(member, True))
            kind = rng.choice((CheckKind.ROUTINE, CheckKind.RANDOM, CheckKind.UNANNOUNCED))
            with clock.frozen(_moment(day, rng)):
                actions.record_presence(
                    inspector,
                    village,
                    kind=kind,
                    checked_on=day,
                    inspectors="县纪委督查组",
                    entries=entries,
                    source="demo",
                )
            counts["checks"] += 1
    counts["cases"] = Case.objects.filter(kind=Kind.DISCIPLINE).count() - before
    return counts


def _answers(template: ChecklistTemplate, rng: random.Random, fail_rate: float) -> list[Answer]:
    out = []
    for item in template.items.all():
        if item.mode == ItemMode.SCORE:
            top = float(item.max_score)
            low = float(item.pass_mark) * (0.7 if rng.random() < fail_rate else 1.0)
            score = Decimal(str(round(rng.uniform(low, top), 1)))
            out.append(Answer(item, score=min(score, item.max_score)))
        else:
            failed = rng.random() < fail_rate
            out.append(
                Answer(item, passed=not failed, note="现场查看未达标，已当场指出" if failed else "")
            )
    return out


def _put_right(inspection, reporters: dict, rng: random.Random) -> None:
    """The town starts and reports its rectifications before the re-inspection."""
    from tuopin.cases import actions as case_actions

    for result in inspection.results.exclude(case=None).select_related("case"):
        case = result.case
        reporter = reporters.get(case.unit_id)
        if reporter is None:
            continue
        with clock.frozen(_moment(dt.date(2018, 7, 13), rng)):
            case_actions.start_case(reporter, case, source="demo")
        with clock.frozen(_moment(dt.date(2018, 7, 17), rng)):
            case_actions.resolve_case(
                reporter, case, resolution="已组织群众清理整改到位", source="demo"
            )


def _checklists(rng, villages, towns, hq, inspector) -> dict[str, int]:
    lists = {t.key: t for t in ChecklistTemplate.objects.filter(is_current=True)}
    counts = {"inspections": 0, "cases": 0, "passed_again": 0}
    reporters = {
        u.unit_id: u
        for u in User.objects.filter(role=Role.UNIT_REPORTER, is_active=True, unit__kind="town")
    }

    def inspect(key, place, day, fail_rate, actor=inspector, **extra):
        with clock.frozen(_moment(day, rng)):
            done = actions.record_inspection(
                actor,
                lists[key],
                place,
                inspected_on=day,
                inspectors="县督查组",
                answers=_answers(lists[key], rng, fail_rate),
                source="demo",
                **extra,
            )
        counts["inspections"] += 1
        counts["cases"] += done.results.filter(passed=False).count()
        return done

    poor = [v for v in villages if v.is_poor_village]
    for village in villages:
        first = inspect(SANWU, village, _day(rng, JULY, dt.date(2018, 7, 12)), 0.09)
        if not first.passed and rng.random() < 0.5:
            _put_right(first, reporters, rng)
            again = inspect(SANWU, village, dt.date(2018, 7, 18), 0.02)
            counts["passed_again"] += again.passed
        if rng.random() < 0.4:
            inspect(CLEANING, village, _day(rng, JULY, dt.date(2018, 7, 19)), 0.08)
    for village in poor:
        inspect(SUPERMARKET, village, _day(rng, JULY, dt.date(2018, 7, 19)), 0.1)
    for village in poor[:35]:
        if rng.random() < 0.6:
            inspect(CLINIC, village, _day(rng, JULY, dt.date(2018, 7, 19)), 0.08)
    for number, town in enumerate(towns):
        site = next(v for v in villages if v.code.startswith(town.code))
        if number % 4 != 3:  # three towns in four have their 示范点 accepted by 20 July
            inspect(
                DEMO_SITE,
                site,
                _day(rng, dt.date(2018, 7, 9), dt.date(2018, 7, 19)),
                0.0,
                actor=hq,
                county_model=number % 5 == 0,
            )
        if number % 2 == 0:  # half the towns had their 扶志扶智验收 so far
            inspect(FUZHI, town, _day(rng, dt.date(2018, 7, 10), dt.date(2018, 7, 19)), 0.1)
    return counts
