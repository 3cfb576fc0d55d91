"""Every change in the command loop, by name; each checks, writes all or nothing, and audits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from tuopin.cases import actions as case_actions
from tuopin.cases.models import Kind, Source
from tuopin.command.models import (
    AccountabilityRecord,
    DutyShift,
    FieldVisit,
    Instruction,
    Measure,
    Meeting,
    ReasonKind,
    TownAssignment,
    UnitHeard,
)
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.access import has_capability, require
from tuopin.org.models import Level, OrgUnit, Person, ResponsibleUnit, Role, User
from tuopin.reports.models import Notification


class CommandError(Exception):
    """Refused input; the message says why, in Chinese. Nothing was written."""


@dataclass
class InstructionInput:
    text: str
    unit: ResponsibleUnit | None
    due_on: dt.date | None
    leader: str = ""


@dataclass
class ProblemInput:
    title: str
    content: str
    unit: ResponsibleUnit | None
    due_on: dt.date | None


def _text(value: str, what: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise CommandError(f"请填写{what}")
    if len(value) > limit:
        raise CommandError(f"{what}不能超过{limit}字")
    return value


def _check_instruction(index: int, item: InstructionInput) -> None:
    where = f"第{index}条交办事项"
    if not (item.text or "").strip():
        raise CommandError(f"{where}：请填写交办内容")
    if item.unit is None:
        raise CommandError(f"{where}：请选择承办单位")
    if item.due_on is None:
        raise CommandError(f"{where}：请填写办理期限")
    if item.due_on < clock.today():
        raise CommandError(f"{where}：办理期限 {item.due_on} 早于今天")


def record_meeting(
    actor: User,
    *,
    held_on: dt.date,
    chair: str,
    attendees: str,
    discussion: str = "",
    period=None,
    heard: Sequence[tuple[ResponsibleUnit, str]] = (),
    instructions: Sequence[InstructionInput] = (),
) -> Meeting:
    """The minutes of one meeting; each instruction becomes a 交办事项 case assigned to its unit."""
    require(actor, "command.manage")
    chair = _text(chair, "主持人", 50)
    attendees = _text(attendees, "参会人员")
    if held_on > clock.today():
        raise CommandError(f"会议日期 {held_on} 晚于今天，请核对")
    for index, item in enumerate(instructions, start=1):
        _check_instruction(index, item)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            held_on=held_on,
            period=period,
            chair=chair,
            attendees=attendees,
            discussion=(discussion or "").strip(),
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        for unit, summary in heard:
            if (summary or "").strip():
                UnitHeard.objects.create(meeting=meeting, unit=unit, summary=summary.strip())
        for item in instructions:
            add_instruction(actor, meeting, item)
        audit.record(meeting, actor=actor, action="记录面对面会议")
    return meeting


def add_instruction(actor: User, meeting: Meeting, item: InstructionInput) -> Instruction:
    require(actor, "command.manage")
    _check_instruction(1, item)
    text = item.text.strip()
    try:
        with transaction.atomic():
            case = case_actions.register_assigned(
                actor,
                kind=Kind.INSTRUCTION,
                source=Source.MEETING,
                title=text[:60],
                content=text,
                org_unit=item.unit.org_unit,
                unit=item.unit,
                due_on=item.due_on,
                subject=item.unit.name,
                note=f"{meeting.held_on:%m月%d日}面对面会议交办"
                + (f"（{item.leader.strip()}）" if item.leader.strip() else "")
                + f"，限 {item.due_on:%Y年%m月%d日} 前办结",
                data={"meeting": meeting.pk},
            )
            instruction = Instruction.objects.create(
                meeting=meeting,
                leader=item.leader.strip()[:50],
                text=text,
                unit=item.unit,
                due_on=item.due_on,
                case=case,
            )
            _notify_unit(instruction)
            return instruction
    except case_actions.CaseError as error:
        raise CommandError(str(error)) from None


def _notify_unit(instruction: Instruction) -> None:
    """An in-app notice to the unit's reporters and heads (the same bell as the reports')."""
    users = User.objects.filter(
        unit_id=instruction.unit_id,
        is_active=True,
        role__in=[Role.UNIT_REPORTER, Role.UNIT_HEAD],
    )
    Notification.objects.bulk_create(
        Notification(
            user=user,
            at=clock.now(),
            title=f"【领导交办】{instruction.text[:60]}",
            body=f"{instruction.meeting.held_on:%m月%d日}面对面会议交办，"
            f"请于{instruction.due_on:%Y年%m月%d日}前办结。",
            url=reverse("cases:case", args=[instruction.case_id]),
        )
        for user in users
    )


# ---------------------------------------------------------------------------------------------
# Leaders' duties


def _leader(person: Person | None) -> Person:
    if person is None or not person.is_leader:
        raise CommandError("请选择县级领导")
    return person


def assign_town(actor: User, *, leader: Person, town: OrgUnit, since: dt.date) -> TownAssignment:
    require(actor, "command.manage")
    leader = _leader(leader)
    if town is None or town.level != Level.TOWN:
        raise CommandError("包镇对象应为镇")
    try:
        with transaction.atomic():
            row = TownAssignment.objects.create(leader=leader, town=town, since=since)
            audit.record(row, {"town": [None, town.name]}, actor=actor, action="安排领导包镇")
    except IntegrityError:
        raise CommandError(f"{leader.display_name} 已在包抓{town.name}") from None
    return row


def end_assignment(actor: User, row: TownAssignment, *, until: dt.date) -> TownAssignment:
    require(actor, "command.manage")
    if until < row.since:
        raise CommandError("结束日期不能早于开始日期")
    with transaction.atomic():
        audit.apply_changes(row, {"until": until}, actor=actor, action="结束领导包镇")
    return row


def schedule_duty(actor: User, *, day: dt.date, leader: Person, note: str = "") -> DutyShift:
    require(actor, "command.manage")
    leader = _leader(leader)
    try:
        with transaction.atomic():
            row = DutyShift.objects.create(day=day, leader=leader, note=(note or "")[:200])
            audit.record(row, {"day": [None, day.isoformat()]}, actor=actor, action="安排坐班")
    except IntegrityError:
        raise CommandError(f"{day} 已安排 {leader.display_name} 坐班") from None
    return row


def may_sign_in(actor: User, shift: DutyShift) -> bool:
    return has_capability(actor, "command.manage") or (
        actor.is_authenticated and actor.person_id == shift.leader_id
    )


def sign_in(actor: User, shift: DutyShift) -> DutyShift:
    """The leader (or HQ for them) signs in on the day of the shift; once."""
    if not may_sign_in(actor, shift):
        raise PermissionDenied("只有坐班领导本人或县脱贫办可以签到")
    now = clock.now()
    if clock.local(now).date() != shift.day:
        raise CommandError(f"只能在坐班当天（{shift.day}）签到")
    with transaction.atomic():
        claimed = DutyShift.objects.filter(pk=shift.pk, signed_in_at__isnull=True).update(
            signed_in_at=now, signed_in_by=actor
        )
        if not claimed:
            raise CommandError("已签到，无需重复签到")
        shift.refresh_from_db()
        audit.record(
            shift, {"signed_in_at": [None, now.isoformat()]}, actor=actor, action="坐班签到"
        )
    return shift


def may_record_visit(actor: User) -> bool:
    return has_capability(actor, "command.manage") or has_capability(actor, "command.visit")


def record_visit(
    actor: User,
    *,
    leader: Person,
    visited_on: dt.date,
    org_unit: OrgUnit,
    inspected: str,
    problems: Sequence[ProblemInput] = (),
) -> FieldVisit:
    """A leader's field visit; each problem found becomes a case assigned with a deadline."""
    if not may_record_visit(actor):
        raise PermissionDenied("您没有权限记录领导调研")
    leader = _leader(leader)
    if not has_capability(actor, "command.manage") and actor.person_id != leader.pk:
        raise PermissionDenied("领导只能记录本人的调研")
    if org_unit is None or org_unit.level not in (Level.TOWN, Level.VILLAGE):
        raise CommandError("调研地点应为镇或村")
    if visited_on > clock.today():
        raise CommandError(f"调研日期 {visited_on} 晚于今天，请核对")
    inspected = _text(inspected, "检查内容")
    for index, problem in enumerate(problems, start=1):
        if not (problem.title or "").strip():
            raise CommandError(f"第{index}个问题：请填写问题")
        if problem.unit is None or problem.due_on is None:
            raise CommandError(f"第{index}个问题：请选择责任单位并填写整改期限")
    with transaction.atomic():
        visit = FieldVisit.objects.create(
            leader=leader,
            visited_on=visited_on,
            org_unit=org_unit,
            org_code=org_unit.code,
            inspected=inspected,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        for problem in problems:
            try:
                case = case_actions.register_assigned(
                    actor,
                    kind=Kind.INSPECTION,
                    source=Source.FIELD_VISIT,
                    title=problem.title.strip()[:200],
                    content=(problem.content or problem.title).strip(),
                    org_unit=org_unit,
                    unit=problem.unit,
                    due_on=problem.due_on,
                    note=f"{leader.display_name}{visited_on:%m月%d日}调研发现，"
                    f"限 {problem.due_on:%Y年%m月%d日} 前解决",
                    data={"field_visit": visit.pk},
                )
            except case_actions.CaseError as error:
                raise CommandError(str(error)) from None
            visit.cases.add(case)
        audit.record(visit, actor=actor, action="记录领导调研")
    return visit


# ---------------------------------------------------------------------------------------------
# Accountability


def record_measure(
    actor: User,
    *,
    reason_kind: str,
    reason: str,
    measure: str,
    decided_on: dt.date,
    decided_by: str,
    subject_unit: ResponsibleUnit | None = None,
    subject_person: str = "",
    milestone=None,
    case=None,
    evidence: str = "",
) -> AccountabilityRecord:
    """HQ records a decision taken by people; the record keeps who decided."""
    require(actor, "command.manage")
    if subject_unit is None and not (subject_person or "").strip():
        raise CommandError("请填写问责对象（单位或个人）")
    if reason_kind not in ReasonKind.values:
        raise CommandError(f"问责事由类别应为：{'、'.join(ReasonKind.labels)}")
    reason = _text(reason, "问责事由")
    if measure not in Measure.values:
        raise CommandError(f"处理方式应为：{'、'.join(Measure.labels)}")
    decided_by = _text(decided_by, "决定人（机构）", 100)
    if decided_on > clock.today():
        raise CommandError(f"决定日期 {decided_on} 晚于今天，请核对")
    with transaction.atomic():
        row = AccountabilityRecord.objects.create(
            subject_person=(subject_person or "").strip()[:100],
            subject_unit=subject_unit,
            reason_kind=reason_kind,
            reason=reason,
            milestone=milestone,
            case=case,
            measure=measure,
            decided_on=decided_on,
            decided_by=decided_by,
            evidence=(evidence or "").strip(),
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        audit.record(
            row,
            {"measure": [None, row.get_measure_display()], "decided_by": [None, decided_by]},
            actor=actor,
            action="记录问责",
        )
    return row
