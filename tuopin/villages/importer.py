"""Checking a village team workbook (队伍, 培训) and writing it, all or nothing.

Members are keyed by 村代码 + 队伍类别 + 手机: a re-import updates what changed and says so,
and members the file does not name are never touched. A 培训 row is one person at one session
(sessions keyed by 培训日期 + 培训主题); the person is found by phone in that village's team,
in the file or already on the roster.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tuopin.ledger.cells import CellReader, LedgerPlan, chunks, parse_sheet, plain
from tuopin.ledger.cells import same as same_value
from tuopin.ledger.layout import Column, choice_lookup
from tuopin.ledger.models import LedgerImport
from tuopin.ledger.reader import Sheet
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.models import Level, OrgUnit
from tuopin.villages.codes import MULTI_VILLAGE, Team, TrainingKind, labels
from tuopin.villages.layout import TEAM_SHEET, TEAMS, TRAINING_SHEET
from tuopin.villages.models import TeamMember, TrainingAttendance, TrainingSession

MEMBER_FIELDS = ("name", "unit", "role", "started_on", "ended_on")
_HEADERS = {
    "name": "姓名",
    "unit": "派出单位",
    "role": "职务",
    "started_on": "到岗日期",
    "ended_on": "离岗日期",
}
_TEAM_LABELS = labels(Team)


class ImportNotAllowed(ValueError):
    pass


@dataclass
class TeamPlan(LedgerPlan):
    new_members: list[dict[str, Any]] = field(default_factory=list)
    changed_members: list[tuple[int, str, dict[str, list], dict[str, Any]]] = field(
        default_factory=list
    )
    sessions: dict[tuple, str] = field(default_factory=dict)  # (held_on, topic) → kind
    attendance: list[tuple[tuple, str, str]] = field(
        default_factory=list
    )  # session, village, phone
    place_codes: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.new_members or self.changed_members or self.attendance)


class TeamReader(CellReader):
    choice_tables = {Team: choice_lookup(Team), TrainingKind: choice_lookup(TrainingKind)}
    max_length = {"unit": 100, "role": 50, "topic": 200}

    def _village_code(self, column: Column, raw: list[Any]) -> list[str]:
        values = self.texts(raw)
        for index, value in enumerate(values):
            if value and (len(value) != 12 or not value.isdigit()):
                self.fail(index, column, value, "应为12位村级区划代码")
                values[index] = ""
        return values


def _in_scope(user, code: str) -> bool:
    if user is None or user.is_superuser:
        return True
    return user.scope_id is not None and code.startswith(user.scope.code)


def plan_import(sheets: dict[str, Sheet], *, user=None) -> TeamPlan:
    """Check every cell and rule and compute the changes; write nothing."""
    plan = TeamPlan()
    for sheet in sheets.values():
        plan.notices.extend(sheet.notices)
    today = clock.today()
    parsed = {
        name: parse_sheet(plan, sheet, today, TEAMS, TeamReader) for name, sheet in sheets.items()
    }
    if any(result is None for result in parsed.values()):
        return plan
    codes = set()
    for result in parsed.values():
        codes.update(c for c in result[0]["village_code"] if c)
    villages = {
        unit.code: unit
        for chunk in chunks(sorted(codes))
        for unit in OrgUnit.objects.filter(code__in=chunk, level=Level.VILLAGE)
    }
    in_file: dict[tuple[str, str, str], dict] = {}
    if TEAM_SHEET in sheets:
        in_file = _plan_members(plan, sheets[TEAM_SHEET], parsed[TEAM_SHEET][0], villages, user)
    if TRAINING_SHEET in sheets:
        _plan_training(plan, sheets[TRAINING_SHEET], parsed[TRAINING_SHEET][0], villages, in_file)
    if not plan.ok:
        plan.new_members, plan.changed_members, plan.attendance = [], [], []
        plan.sessions = {}
    return plan


def _village(plan, sheet, row, code, villages, user):
    village = villages.get(code)
    if village is None:
        plan.problem(sheet.name, row, "村代码", code, "组织机构中没有这个村代码")
    elif not _in_scope(user, code):
        plan.problem(sheet.name, row, "村代码", code, "不在您的管辖范围内")
        village = None
    return village


def _plan_members(plan: TeamPlan, sheet: Sheet, columns, villages, user) -> dict:
    failed = columns.pop("_failed")
    phones = sorted({p for p in columns["phone"] if p})
    existing: dict[tuple[str, str, str], TeamMember] = {}
    by_phone: dict[str, list[TeamMember]] = {}
    for chunk in chunks(phones):
        for member in TeamMember.objects.filter(phone__in=chunk).select_related("village"):
            existing[(member.village.code, member.team, member.phone)] = member
            by_phone.setdefault(member.phone, []).append(member)
    seen: dict[tuple[str, str, str], int] = {}
    kept: dict[tuple[str, str, str], dict] = {}
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        values = {name: columns[name][index] for name in columns}
        refused = failed.get(index, set())
        code, team, phone = values["village_code"], values["team"], values["phone"]
        if not code or not phone or not team:
            continue
        village = _village(plan, sheet, row, code, villages, user)
        if village is None:
            continue
        key = (code, team, phone)
        if key in seen:
            plan.problem(
                sheet.name,
                row,
                "手机",
                phone,
                f"与第{sheet.first_row + seen[key]}行是同村同队伍的同一人（手机相同），只能填一行",
            )
            continue
        seen[key] = index
        start, end = values.get("started_on"), values.get("ended_on")
        if start and end and end < start:
            plan.problem(sheet.name, row, "离岗日期", end, "离岗日期不能早于到岗日期")
            refused.add("ended_on")
        if refused:
            continue
        record = {
            name: values.get(name) or ("" if name in ("unit", "role") else None)
            for name in MEMBER_FIELDS
        }
        kept[key] = {**record, "village_id": village.pk, "team": team, "phone": phone, "row": row}
    _conflicts(plan, sheet, kept, by_phone)
    for key, record in kept.items():
        code, team, phone = key
        plan.place_codes.append(code)
        old = existing.get(key)
        values = {name: record[name] for name in MEMBER_FIELDS}
        label = f"{code} {_TEAM_LABELS[team]} {values['name']}"
        if old is None:
            plan.new_members.append(
                {"village_id": record["village_id"], "team": team, "phone": phone, **values}
            )
            continue
        diff = {
            name: [plain(getattr(old, name)), plain(value)]
            for name, value in values.items()
            if not same_value(getattr(old, name), value)
        }
        if diff:
            plan.changed_members.append((old.pk, label, diff, values))
            for name, (before, after) in diff.items():
                if len(plan.change_lines) < 300:
                    plan.change_lines.append(
                        f"{label} {_HEADERS[name]}：{before or '（空）'} → {after or '（空）'}"
                    )
    plan.counts["members_added"] = len(plan.new_members)
    plan.counts["members_changed"] = len(plan.changed_members)
    plan.counts["members_unchanged"] = len(kept) - len(plan.new_members) - len(plan.changed_members)
    return kept


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    return (a_end is None or a_end > b_start) and (b_end is None or b_end > a_start)


def _conflicts(plan: TeamPlan, sheet: Sheet, kept: dict, by_phone: dict) -> None:
    """The same person (phone) in two villages' teams at once, unless both are 帮扶干部."""
    rows_by_phone: dict[str, list[tuple[tuple, dict]]] = {}
    for key, record in kept.items():
        rows_by_phone.setdefault(key[2], []).append((key, record))
    bad = []
    for key, record in kept.items():
        code, team, phone = key
        terms = [
            (other_key[0], other_key[1], other["started_on"], other["ended_on"], other["row"])
            for other_key, other in rows_by_phone[phone]
            if other_key != key
        ]
        terms += [
            (m.village.code, m.team, m.started_on, m.ended_on, None)
            for m in by_phone.get(phone, [])
            if (m.village.code, m.team, m.phone) not in kept
        ]
        for other_code, other_team, start, end, other_row in terms:
            if other_code == code:
                continue
            if team in MULTI_VILLAGE and other_team in MULTI_VILLAGE:
                continue
            if _overlap(record["started_on"], record["ended_on"], start, end):
                where = f"第{other_row}行" if other_row else "已有台账"
                plan.problem(
                    sheet.name,
                    record["row"],
                    "手机",
                    phone,
                    f"此人同期已在村 {other_code} 的{_TEAM_LABELS[other_team]}中（{where}），"
                    "除帮扶干部外不能同时在两个村的队伍任职",
                )
                bad.append(key)
                break
    for key in bad:
        kept.pop(key, None)


def _plan_training(plan: TeamPlan, sheet: Sheet, columns, villages, in_file: dict) -> None:
    failed = columns.pop("_failed")
    phones = sorted({p for p in columns["phone"] if p})
    known: set[tuple[str, str]] = set()
    for chunk in chunks(phones):
        known.update(
            TeamMember.objects.filter(phone__in=chunk).values_list("village__code", "phone")
        )
    known.update((code, phone) for code, _team, phone in in_file)
    existing_sessions = {
        (held_on, topic): kind
        for held_on, topic, kind in TrainingSession.objects.values_list("held_on", "topic", "kind")
    }
    attended = set(
        TrainingAttendance.objects.values_list(
            "session__held_on", "session__topic", "member__village__code", "member__phone"
        )
    )
    seen: set[tuple] = set()
    for index in range(len(sheet.rows)):
        row = sheet.first_row + index
        values = {name: columns[name][index] for name in columns}
        if failed.get(index):
            continue
        code, phone = values["village_code"], values["phone"]
        session = (values["held_on"], values["topic"])
        if not code or not phone or not all(session):
            continue
        if code not in villages:
            plan.problem(sheet.name, row, "村代码", code, "组织机构中没有这个村代码")
            continue
        if (code, phone) not in known:
            plan.problem(sheet.name, row, "手机", phone, "该村队伍中没有这个手机号的成员")
            continue
        kind = plan.sessions.get(session) or existing_sessions.get(session) or values["kind"]
        if kind != values["kind"]:
            plan.problem(
                sheet.name,
                row,
                "培训类别",
                values["kind"],
                "同一日期、同一主题的培训类别与其他行或已有记录不一致",
            )
            continue
        plan.sessions[session] = kind
        key = (*session, code, phone)
        if key in seen or key in attended:
            continue
        seen.add(key)
        plan.attendance.append((session, code, phone))
        plan.place_codes.append(code)
    plan.counts["trainings_added"] = len(set(plan.sessions) - set(existing_sessions))
    plan.counts["attendance_added"] = len(plan.attendance)


def describe(counts: dict[str, int]) -> str:
    return (
        f"队伍成员新增 {counts.get('members_added', 0)} 人、"
        f"修改 {counts.get('members_changed', 0)} 人、"
        f"未变 {counts.get('members_unchanged', 0)} 人；"
        f"培训新增 {counts.get('trainings_added', 0)} 期、"
        f"参训记录新增 {counts.get('attendance_added', 0)} 条"
    )


def apply_import(
    plan: TeamPlan, *, actor=None, source: str = "web", filename: str = "", sha256: str = ""
) -> LedgerImport:
    """Write a checked plan: everything or nothing, with one history row per changed record."""
    if not plan.ok:
        raise ImportNotAllowed("导入文件有错误，未导入任何数据")
    now = clock.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        batch = LedgerImport.record(
            TEAMS.key, plan, at=now, actor=actor, filename=filename, sha256=sha256, source=source
        )
        note = batch.note
        created = TeamMember.objects.bulk_create(
            [TeamMember(**row, created_at=now, updated_at=now) for row in plan.new_members],
            batch_size=2000,
        )
        villages = OrgUnit.objects.in_bulk({m.village_id for m in created})
        for member in created:
            member.village = villages[member.village_id]
        audit.record_many(
            [(m, {}) for m in created],
            actor=actor,
            action="导入新建",
            source=source,
            note=note,
            at=now,
        )
        rows = TeamMember.objects.select_related("village").in_bulk(
            [pk for pk, *_ in plan.changed_members]
        )
        events = []
        for pk, _label, diff, values in plan.changed_members:
            member = rows[pk]
            for name in diff:
                setattr(member, name, values[name])
            member.updated_at = now
            member.save(update_fields=[*diff, "updated_at"])
            events.append((member, diff))
        audit.record_many(events, actor=actor, action="导入修改", source=source, note=note, at=now)
        _write_training(plan, actor, source, note, now)
    return batch


def _write_training(plan: TeamPlan, actor, source: str, note: str, now) -> None:
    if not plan.attendance:
        return
    county = OrgUnit.objects.filter(level=Level.COUNTY).order_by("code").first()
    sessions = {}
    for (held_on, topic), kind in plan.sessions.items():
        session, _created = TrainingSession.objects.get_or_create(
            held_on=held_on,
            topic=topic,
            defaults={"kind": kind, "place": county, "created_at": now},
        )
        sessions[(held_on, topic)] = session
    members = {}
    phones = sorted({phone for _s, _c, phone in plan.attendance})
    for chunk in chunks(phones):
        for pk, code, phone in (
            TeamMember.objects.filter(phone__in=chunk)
            .values_list("pk", "village__code", "phone")
            .order_by("started_on")
        ):
            members[(code, phone)] = pk
    TrainingAttendance.objects.bulk_create(
        [
            TrainingAttendance(session=sessions[session], member_id=members[(code, phone)])
            for session, code, phone in plan.attendance
        ],
        ignore_conflicts=True,
    )
    counted = Counter(session for session, _c, _p in plan.attendance)
    audit.record_many(
        [(sessions[s], {"参训人数": [None, n]}) for s, n in counted.items()],
        actor=actor,
        action="导入参训",
        source=source,
        note=note,
        at=now,
    )
