"""Every change to a case, by name. Views, the API, commands and the worker call these.

Each action checks the actor's capability and the case's state, runs in one transaction, moves
the stage clocks and appends its :class:`CaseEvent` in that transaction. A refused action raises
:class:`CaseError` (out of order, bad input) or ``PermissionDenied`` (wrong role or place), with a
Chinese message, and leaves every row as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from tuopin.cases import limits
from tuopin.cases.models import (
    KIND_PREFIX,
    OPEN_STATES,
    CalendarDay,
    Case,
    CaseAttachment,
    CaseEvent,
    DisputeSweep,
    InspectionVisit,
    Kind,
    Outcome,
    PetitionRating,
    Rating,
    Source,
    Stage,
    StageClock,
    State,
    TimeLimit,
)
from tuopin.lib import clock
from tuopin.org import audit, codes
from tuopin.org.access import can, has_capability, require
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, UnitKind, User

ACTION_LABELS = {
    "register": "登记",
    "accept": "受理",
    "reject": "不予受理",
    "assign": "交办",
    "start": "开始办理",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "return": "退回",
    "resolve": "办结",
    "verify": "验收通过",
    "close": "销号",
    "reopen": "重新办理",
    "escalate": "超期督办",
    "comment": "备注",
    "rate": "群众评价",
    "handover": "移交上级调处",
    "merge": "重复件合并",
}
# Steps the petitioner sees on the public tracking page (no names of staff, no notes).
PUBLIC_ACTIONS = frozenset(
    {
        "accept",
        "reject",
        "assign",
        "start",
        "pause",
        "resume",
        "resolve",
        "verify",
        "close",
        "reopen",
        "escalate",
        "rate",
        "handover",
        "merge",
    }
)
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
TRACKING_LENGTH = 12
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class CaseError(Exception):
    """An action that cannot be done now; the message says why in Chinese."""


class CaseConflict(CaseError):
    """The case is not (or no longer) in a state for this action, e.g. someone else acted first."""


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


# ---------------------------------------------------------------------------------------------
# Helpers


def _lock(case: Case) -> Case:
    """Lock the case row, then read it (and its unit) fresh, so the state check sees the winner.

    The lock statement reads the case alone: on PostgreSQL a row changed by the transaction this
    one waited for is re-read, but rows joined in the same statement keep the old snapshot (a
    unit assigned meanwhile would be missed). The second query runs after the lock is held and
    sees what the other transaction committed. SQLite's ``BEGIN IMMEDIATE`` already serialises
    the whole transaction, so there every read follows the last committed writer.
    """
    if connection.features.has_select_for_update:  # SQLite: BEGIN IMMEDIATE is the lock
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
    return Case.objects.select_related("unit__org_unit").get(pk=case.pk)


def _event(
    case: Case,
    action: str,
    *,
    actor: User | None,
    at: dt.datetime,
    from_state: str,
    note: str = "",
    data: dict | None = None,
    clock_row: StageClock | None = None,
    source: str = "web",
    attachments: Sequence[Upload] = (),
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
        clock=clock_row,
        source=source,
    )
    for upload in attachments:
        if len(upload.content) > MAX_ATTACHMENT_BYTES:
            raise CaseError(f"附件“{upload.name}”超过20MB，请压缩后再上传")
        attachment = CaseAttachment(event=event, name=upload.name[:200], size=len(upload.content))
        attachment.file.save(upload.name[:100], ContentFile(upload.content), save=False)
        attachment.save()
    return event


def _require_state(case: Case, allowed: Iterable[str], action: str) -> None:
    if case.state not in allowed:
        wanted = "、".join(State(s).label for s in allowed)
        raise CaseConflict(
            f"{case.number} 当前状态为“{case.get_state_display()}”，不能{ACTION_LABELS[action]}"
            f"（仅“{wanted}”状态可以）"
        )


def _require_note(note: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise CaseError(f"请填写{what}")
    return note


def is_handler(user: User, case: Case) -> bool:
    """Whether ``user`` works for the unit that holds the case (or manages cases)."""
    if not can(user, "cases.handle", case):
        return False
    if user.is_superuser or has_capability(user, "cases.manage"):
        return True
    if case.unit_id is None:
        return False
    if user.unit_id is not None:
        return user.unit_id == case.unit_id
    # A town cadre handles what is assigned to the town (as a unit).
    return (
        user.scope_id is not None
        and case.unit.kind == UnitKind.TOWN
        and case.unit.org_unit.code.startswith(user.scope.code)
    )


def _require_handler(user: User, case: Case) -> None:
    if not is_handler(user, case):
        raise PermissionDenied("只有承办单位的人员才能办理此件")


def _stage_capability(stage: str) -> str:
    return {
        Stage.ACCEPT: "cases.manage",
        Stage.ASSIGN: "cases.manage",
        Stage.HANDLE: "cases.handle",
        Stage.VERIFY: "cases.verify",
    }[stage]


def _holder_code(case: Case, stage: str) -> str:
    if stage == Stage.HANDLE and case.unit_id:
        return case.unit.org_unit.code
    return case.org_code[:6]  # the county office holds acceptance, assignment, verification


def _escalation_target(holder_code: str) -> str:
    """The level above the holder; a county-level holder goes to the county leaders."""
    return codes.parent_code(holder_code) if len(holder_code) > 6 else holder_code


def _start_clock(case: Case, stage: str, at: dt.datetime) -> StageClock:
    limit = limits.limit_for(case.kind, case.level, stage)
    deadline = None
    days = limit.days
    if stage == Stage.HANDLE and case.due_at is not None and case.due_at > at:
        deadline, days = case.due_at, None
    elif days is not None:
        deadline = limits.calendar().add(at, days, working=limit.working_days)
    holder_code = _holder_code(case, stage)
    return StageClock.objects.create(
        case=case,
        stage=stage,
        holder_code=holder_code,
        holder_unit=case.unit if stage == Stage.HANDLE else None,
        started_at=at,
        limit_days=days,
        working_days=limit.working_days,
        deadline=deadline,
        escalate_to_code=_escalation_target(holder_code),
    )


def _running_clock(case: Case) -> StageClock | None:
    return StageClock.objects.select_for_update().filter(case=case, ended_at__isnull=True).first()


def _catch_up(case: Case, at: dt.datetime) -> None:
    """Record a breach that happened before ``at`` (the worker may not have run yet)."""
    from tuopin.cases.jobs import escalate_overdue

    escalate_overdue(at, case_ids=[case.pk])


def _resume_clock(clock_row: StageClock, at: dt.datetime) -> None:
    paused_at = clock_row.paused_at
    if clock_row.deadline is not None and clock_row.breached_at is None:
        calendar = limits.calendar()
        if clock_row.working_days:
            remaining = calendar.working_seconds_between(paused_at, clock_row.deadline)
            clock_row.deadline = calendar.add_working_seconds(at, remaining)
        else:
            clock_row.deadline = at + (clock_row.deadline - paused_at)
    clock_row.paused_intervals = [
        *clock_row.paused_intervals,
        [clock.local(paused_at).isoformat(), clock.local(at).isoformat()],
    ]
    clock_row.paused_at = None


def _end_clock(case: Case, at: dt.datetime) -> StageClock | None:
    _catch_up(case, at)
    clock_row = _running_clock(case)
    if clock_row is None:
        return None
    if clock_row.paused_at is not None:
        _resume_clock(clock_row, at)
    clock_row.ended_at = at
    clock_row.save(update_fields=["deadline", "paused_intervals", "paused_at", "ended_at"])
    return clock_row


def _move(
    case: Case,
    action: str,
    to_state: str,
    *,
    actor: User | None,
    at: dt.datetime,
    note: str = "",
    data: dict | None = None,
    source: str = "web",
    attachments: Sequence[Upload] = (),
    fields: dict | None = None,
) -> CaseEvent:
    """End the running clock, set the state (and fields), start the next stage's clock, log."""
    from_state = case.state
    ended = _end_clock(case, at)
    case.state = to_state
    case.is_paused = False
    for name, value in (fields or {}).items():
        setattr(case, name, value)
    case.save(update_fields=["state", "is_paused", *(fields or {})])
    started = None
    stage = case.current_stage
    if stage is not None:
        started = _start_clock(case, stage, at)
    return _event(
        case,
        action,
        actor=actor,
        at=at,
        from_state=from_state,
        note=note,
        data=data,
        clock_row=started or ended,
        source=source,
        attachments=attachments,
    )


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_tracking_code(raw: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (raw or "").upper())


def format_tracking_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


# ---------------------------------------------------------------------------------------------
# The workflow


def register_case(actor: User, *, org_unit: OrgUnit, **fields) -> Case:
    """Put a problem or petition on the ledger (state 已登记; the acceptance clock starts).

    ``fields``: kind, source, title, content and optionally reporter_name, reporter_phone,
    subject, attachments, origin, at (see :func:`_create_case`)."""
    require(actor, "cases.register", org_unit)
    fields.pop("tracking_code", None)  # staff registrations get theirs on acceptance
    return _create_case(actor, org_unit=org_unit, **fields)


def register_public(**fields) -> Case:
    """A petition filed online by a member of the public (no account; see ``cases.online``)."""
    return _create_case(None, **fields)


def note_duplicate(case: Case, *, content: str) -> CaseEvent:
    """The same petition filed again: one step on the first case, no second case."""
    with transaction.atomic():
        case = _lock(case)
        return _event(
            case,
            "merge",
            actor=None,
            at=clock.now(),
            from_state=case.state,
            note="同一手机号再次提交相同内容，已合并到本件",
            data={"chars": len(content)},
            source="public",
        )


def _check_new_case(kind: str, source: str, title: str, content: str, org_unit: OrgUnit):
    if kind not in Kind.values:
        raise CaseError(f"类别“{kind}”不存在，应为：{'、'.join(Kind.labels)}")
    if source not in Source.values:
        raise CaseError(f"来源“{source}”不存在，应为：{'、'.join(Source.labels)}")
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        raise CaseError("请填写标题")
    if not content:
        raise CaseError("请填写问题内容")
    if org_unit is None or org_unit.level not in (Level.COUNTY, Level.TOWN, Level.VILLAGE):
        raise CaseError(f"问题所在地“{getattr(org_unit, 'name', '')}”应为县、镇或村")
    return title, content


def _new_row(
    actor: User | None,
    *,
    kind: str,
    source: str,
    title: str,
    content: str,
    org_unit: OrgUnit,
    at: dt.datetime,
    **fields,
) -> Case:
    """Insert the case row and give it its number (inside the caller's transaction)."""
    case = Case.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:16]}",
        kind=kind,
        source=source,
        title=title[:200],
        content=content,
        org_unit=org_unit,
        org_code=org_unit.code,
        level=org_unit.level,
        registered_at=at,
        registered_by=actor if actor is not None and actor.is_authenticated else None,
        **fields,
    )
    case.number = f"{KIND_PREFIX[kind]}{at.year}-{case.pk:05d}"
    case.save(update_fields=["number"])
    return case


def _create_case(
    actor: User | None,
    *,
    kind: str,
    source: str,
    title: str,
    content: str,
    org_unit: OrgUnit,
    reporter_name: str = "",
    reporter_phone: str = "",
    subject: str = "",
    attachments: Sequence[Upload] = (),
    origin: str = "web",
    at: dt.datetime | None = None,
    tracking_code: str | None = None,
) -> Case:
    title, content = _check_new_case(kind, source, title, content, org_unit)
    if kind == Kind.PETITION and len(_digits(reporter_phone)) < 7:
        raise CaseError("信访件须填写反映人的手机号码（群众凭查询码和手机号后四位查询办理进度）")
    at = at or clock.now()
    with transaction.atomic():
        case = _new_row(
            actor,
            kind=kind,
            source=source,
            title=title,
            content=content,
            org_unit=org_unit,
            at=at,
            reporter_name=reporter_name.strip()[:50],
            reporter_phone=reporter_phone.strip()[:20],
            subject=subject.strip()[:100],
            tracking_code=tracking_code,
            content_digest=content_digest(content),
        )
        started = _start_clock(case, Stage.ACCEPT, at)
        _event(
            case,
            "register",
            actor=actor,
            at=at,
            from_state="",
            clock_row=started,
            source=origin,
            attachments=attachments,
        )
    return case


def content_digest(content: str) -> str:
    """The same words, whatever the spacing and punctuation: the key duplicate filings share."""
    import hashlib

    kept = re.sub(r"[\W_]+", "", (content or "").casefold())
    return hashlib.sha256(kept.encode()).hexdigest()


def register_assigned(
    actor: User,
    *,
    kind: str,
    source: str,
    title: str,
    content: str,
    org_unit: OrgUnit,
    unit: ResponsibleUnit | None,
    due_on: dt.date | None,
    subject: str = "",
    note: str = "",
    data: dict | None = None,
    origin: str = "web",
    visit: InspectionVisit | None = None,
) -> Case:
    """A case that is assigned as it is registered: an inspection finding, a leader's instruction.

    The unit and the deadline are required; the unit's handling clock runs to the end of that day.
    """
    if unit is None or not unit.is_active:
        raise CaseError("请选择承办的责任单位")
    if due_on is None:
        raise CaseError("请填写办理期限")
    if due_on < clock.today():
        raise CaseError(f"办理期限 {due_on} 早于今天，请重新填写")
    title, content = _check_new_case(kind, source, title, content, org_unit)
    at = clock.now()
    with transaction.atomic():
        case = _new_row(
            actor,
            kind=kind,
            source=source,
            title=title,
            content=content,
            org_unit=org_unit,
            at=at,
            subject=(subject or unit.name)[:100],
            visit=visit,
        )
        _event(case, "register", actor=actor, at=at, from_state="", source=origin, data=data or {})
        case.unit = unit
        case.due_at = clock.end_of_day(due_on)
        case.state = State.ASSIGNED
        case.save(update_fields=["unit", "due_at", "state"])
        started = _start_clock(case, Stage.HANDLE, at)
        _event(
            case,
            "assign",
            actor=actor,
            at=at,
            from_state=State.REGISTERED,
            clock_row=started,
            source=origin,
            data={"unit": unit.name},
            note=note or f"限 {due_on:%Y年%m月%d日} 前办结",
        )
    return case


def accept_case(actor: User, case: Case, *, note: str = "", source: str = "web") -> Case:
    """受理. A petition gets its tracking code here (shown once to the office for the petitioner)."""
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        require(actor, "cases.manage", case)
        _require_state(case, [State.REGISTERED], "accept")
        fields = {}
        if case.kind == Kind.PETITION and not case.tracking_code:
            fields["tracking_code"] = new_tracking_code()
        _move(
            case,
            "accept",
            State.ACCEPTED,
            actor=actor,
            at=at,
            note=note,
            source=source,
            fields=fields,
        )
    return case


def reject_case(actor: User, case: Case, *, reason: str, source: str = "web") -> Case:
    reason = _require_note(reason, "不予受理的理由")
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        require(actor, "cases.manage", case)
        _require_state(case, [State.REGISTERED], "reject")
        _move(
            case,
            "reject",
            State.REJECTED,
            actor=actor,
            at=at,
            note=reason,
            source=source,
            fields={"closed_at": at},
        )
    return case


def assign_case(
    actor: User,
    case: Case,
    *,
    unit: ResponsibleUnit,
    due_at: dt.datetime | None = None,
    note: str = "",
    source: str = "web",
    attachments: Sequence[Upload] = (),
) -> Case:
    """交办 to a responsible unit; the unit's handling clock starts."""
    if unit is None or not unit.is_active:
        raise CaseError("请选择有效的责任单位")
    at = clock.now()
    if due_at is not None and due_at <= at:
        raise CaseError(f"办理期限 {clock.local(due_at):%Y-%m-%d %H:%M} 早于当前时间，请重新填写")
    with transaction.atomic():
        case = _lock(case)
        require(actor, "cases.manage", case)
        _require_state(case, [State.ACCEPTED, State.RETURNED, State.REOPENED], "assign")
        fields = {"unit": unit}
        if due_at is not None:
            fields["due_at"] = due_at
        _move(
            case,
            "assign",
            State.ASSIGNED,
            actor=actor,
            at=at,
            note=note,
            source=source,
            fields=fields,
            data={"unit": unit.name},
            attachments=attachments,
        )
    return case


def start_case(actor: User, case: Case, *, note: str = "", source: str = "web") -> Case:
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        _require_handler(actor, case)
        _require_state(case, [State.ASSIGNED], "start")
        from_state = case.state
        case.state = State.IN_PROGRESS
        case.save(update_fields=["state"])
        # Same stage, same holder: the handling clock keeps running.
        _event(
            case,
            "start",
            actor=actor,
            at=at,
            from_state=from_state,
            note=note,
            clock_row=_running_clock(case),
            source=source,
        )
    return case


def return_case(actor: User, case: Case, *, reason: str, source: str = "web") -> Case:
    """The unit sends the case back (not its duty); HQ must assign it again."""
    reason = _require_note(reason, "退回理由")
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        _require_handler(actor, case)
        _require_state(case, [State.ASSIGNED, State.IN_PROGRESS], "return")
        unit_name = case.unit.name if case.unit_id else ""
        _move(
            case,
            "return",
            State.RETURNED,
            actor=actor,
            at=at,
            note=reason,
            source=source,
            fields={"unit": None, "due_at": None},
            data={"unit": unit_name},
        )
    return case


def pause_case(actor: User, case: Case, *, reason: str, source: str = "web") -> Case:
    """Stop the running clock (e.g. waiting for the petitioner's materials)."""
    reason = _require_note(reason, "暂停计时的原因")
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        if case.state not in OPEN_STATES:
            raise CaseConflict(f"{case.number} 已{case.get_state_display()}，没有正在计时的阶段")
        _require_stage_actor(actor, case)
        if case.is_paused:
            raise CaseConflict(f"{case.number} 已处于暂停计时状态")
        _catch_up(case, at)
        clock_row = _running_clock(case)
        clock_row.paused_at = at
        clock_row.save(update_fields=["paused_at"])
        case.is_paused = True
        case.save(update_fields=["is_paused"])
        _event(
            case,
            "pause",
            actor=actor,
            at=at,
            from_state=case.state,
            note=reason,
            clock_row=clock_row,
            source=source,
        )
    return case


def resume_case(actor: User, case: Case, *, note: str = "", source: str = "web") -> Case:
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        if not case.is_paused:
            raise CaseConflict(f"{case.number} 没有暂停计时，无需恢复")
        _require_stage_actor(actor, case)
        clock_row = _running_clock(case)
        _resume_clock(clock_row, at)
        clock_row.save(update_fields=["deadline", "paused_intervals", "paused_at"])
        case.is_paused = False
        case.save(update_fields=["is_paused"])
        _event(
            case,
            "resume",
            actor=actor,
            at=at,
            from_state=case.state,
            note=note,
            clock_row=clock_row,
            source=source,
            data={"deadline": clock_row.deadline.isoformat() if clock_row.deadline else None},
        )
    return case


def _require_stage_actor(actor: User, case: Case) -> None:
    stage = case.current_stage
    if stage == Stage.HANDLE:
        _require_handler(actor, case)
    else:
        require(actor, _stage_capability(stage), case)


def resolve_case(
    actor: User,
    case: Case,
    *,
    resolution: str,
    source: str = "web",
    attachments: Sequence[Upload] = (),
    outcome: str = "",
) -> Case:
    """办结: the unit reports the result; verification by someone else follows.

    A dispute (矛盾纠纷) needs its outcome: 调解成功, 转信访 or 转诉讼."""
    resolution = _require_note(resolution, "办理结果")
    if outcome and outcome not in Outcome.values:
        raise CaseError(f"调处结果应为：{'、'.join(Outcome.labels)}")
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        _require_handler(actor, case)
        _require_state(case, [State.IN_PROGRESS], "resolve")
        if case.kind == Kind.MEDIATION and not outcome:
            raise CaseError(f"请选择调处结果：{'、'.join(Outcome.labels)}")
        fields = {"resolution": resolution, "resolved_at": at, "resolved_by": actor}
        if case.kind == Kind.MEDIATION:
            fields["outcome"] = outcome
        _move(
            case,
            "resolve",
            State.RESOLVED,
            actor=actor,
            at=at,
            note=resolution,
            source=source,
            attachments=attachments,
            fields=fields,
            data={"outcome": outcome} if outcome else None,
        )
    return case


def verify_case(actor: User, case: Case, *, note: str = "", source: str = "web") -> Case:
    """验收: the result is checked by a verifier who did not resolve the case."""
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        require(actor, "cases.verify", case)
        _require_state(case, [State.RESOLVED], "verify")
        if case.resolved_by_id == actor.pk:
            raise PermissionDenied("办结与验收须由不同人员完成：请由督查或领导验收")
        _move(case, "verify", State.VERIFIED, actor=actor, at=at, note=note, source=source)
    return case


def close_case(actor: User, case: Case, *, note: str = "", source: str = "web") -> Case:
    """销号: only a verified case leaves the ledger."""
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        require(actor, "cases.manage", case)
        if case.state in (
            State.ASSIGNED,
            State.IN_PROGRESS,
            State.ACCEPTED,
            State.REGISTERED,
            State.RETURNED,
            State.REOPENED,
        ):
            raise CaseConflict(
                f"{case.number} 尚未办结（当前“{case.get_state_display()}”），不能销号"
            )
        _require_state(case, [State.VERIFIED], "close")
        _move(
            case,
            "close",
            State.CLOSED,
            actor=actor,
            at=at,
            note=note,
            source=source,
            fields={"closed_at": at},
        )
    return case


def reopen_case(
    actor: User | None,
    case: Case,
    *,
    reason: str,
    source: str = "web",
    check: bool = True,
) -> Case:
    """Send a resolved, verified or closed case back to work (a new handling round)."""
    reason = _require_note(reason, "重新办理的理由")
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        if check and not (can(actor, "cases.manage", case) or can(actor, "cases.verify", case)):
            raise PermissionDenied("只有县脱贫办、督查人员或领导可以要求重新办理")
        _require_state(case, [State.RESOLVED, State.VERIFIED, State.CLOSED], "reopen")
        _move(
            case,
            "reopen",
            State.REOPENED,
            actor=actor,
            at=at,
            note=reason,
            source=source,
            fields={
                "round": case.round + 1,
                "resolved_at": None,
                "closed_at": None,
                "resolved_by": None,
            },
        )
    return case


def may_comment(actor: User, case: Case) -> bool:
    return (
        can(actor, "cases.manage", case)
        or is_handler(actor, case)
        or can(actor, "cases.verify", case)
        or can(actor, "cases.register", case)
    )


def comment_case(
    actor: User, case: Case, *, note: str, attachments: Sequence[Upload] = (), source: str = "web"
) -> CaseEvent:
    note = _require_note(note, "备注内容")
    with transaction.atomic():
        case = _lock(case)
        if not may_comment(actor, case):
            raise PermissionDenied("您没有权限为此件添加备注")
        return _event(
            case,
            "comment",
            actor=actor,
            at=clock.now(),
            from_state=case.state,
            note=note,
            source=source,
            attachments=attachments,
        )


# ---------------------------------------------------------------------------------------------
# The petitioner


def find_petition(code: str, phone_last4: str) -> Case | None:
    """The petition with this tracking code whose phone ends in these four digits, or None."""
    code = normalize_tracking_code(code)
    digits = _digits(phone_last4)
    if len(code) != TRACKING_LENGTH or len(digits) != 4:
        return None
    case = Case.objects.filter(kind=Kind.PETITION, tracking_code=code).first()
    if case is None or not secrets.compare_digest(_digits(case.reporter_phone)[-4:], digits):
        return None
    return case


def can_rate(case: Case) -> bool:
    return (
        case.kind == Kind.PETITION
        and case.state in (State.RESOLVED, State.VERIFIED, State.CLOSED)
        and not case.ratings.filter(round=case.round).exists()
    )


def rate_petition(case: Case, *, rating: str, comment: str = "") -> PetitionRating:
    """The petitioner rates this round; 不满意 reopens the case for review (复查)."""
    if rating not in Rating.values:
        raise CaseError("请选择评价：满意、基本满意或不满意")
    comment = (comment or "").strip()[:1000]
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        if case.kind != Kind.PETITION or case.state not in (
            State.RESOLVED,
            State.VERIFIED,
            State.CLOSED,
        ):
            raise CaseConflict("该信访件尚未办结，办结后才能评价")
        try:
            with transaction.atomic():
                saved = PetitionRating.objects.create(
                    case=case, round=case.round, rating=rating, comment=comment, rated_at=at
                )
        except IntegrityError:
            raise CaseConflict("您已评价过本次办理结果") from None
        _event(
            case,
            "rate",
            actor=None,
            at=at,
            from_state=case.state,
            note=comment,
            data={"rating": rating, "round": case.round},
            source="public",
        )
        if rating == Rating.UNSATISFIED:
            reopen_case(
                None,
                case,
                reason=f"群众评价不满意，转复查。{comment}".strip(),
                source="public",
                check=False,
            )
    return saved


# ---------------------------------------------------------------------------------------------
# Inspections


def record_visit(
    actor: User,
    *,
    org_unit: OrgUnit,
    visited_on: dt.date,
    inspectors: str,
    is_unannounced: bool = False,
    cadres_expected: int = 0,
    cadres_present: int = 0,
    files_checked: int = 0,
    files_ok: int = 0,
    progress_note: str = "",
    notes: str = "",
    milestones: Iterable = (),
) -> InspectionVisit:
    require(actor, "inspections.record", org_unit)
    if not (inspectors or "").strip():
        raise CaseError("请填写督查人员")
    if visited_on > clock.today():
        raise CaseError(f"督查日期 {visited_on} 晚于今天，请核对")
    if cadres_present > cadres_expected:
        raise CaseError(f"实际在岗人数（{cadres_present}）不能多于应在岗人数（{cadres_expected}）")
    if files_ok > files_checked:
        raise CaseError(f"合格档案数（{files_ok}）不能多于抽查档案数（{files_checked}）")
    with transaction.atomic():
        visit = InspectionVisit.objects.create(
            org_unit=org_unit,
            visited_on=visited_on,
            inspectors=inspectors.strip()[:200],
            is_unannounced=is_unannounced,
            cadres_expected=cadres_expected,
            cadres_present=cadres_present,
            files_checked=files_checked,
            files_ok=files_ok,
            progress_note=progress_note,
            notes=notes,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        visit.milestones.set(list(milestones))
        audit.record(visit, actor=actor, action="督查记录")
    return visit


def record_finding(
    actor: User,
    visit: InspectionVisit,
    *,
    title: str,
    content: str,
    unit: ResponsibleUnit,
    due_on: dt.date,
    org_unit: OrgUnit | None = None,
    source: str = "web",
) -> Case:
    """A finding of a visit becomes a rectification case, assigned with a deadline at once."""
    require(actor, "inspections.record", visit)
    org_unit = org_unit or visit.org_unit
    if not org_unit.code.startswith(visit.org_unit.code):
        raise CaseError(f"问题所在地“{org_unit.name}”不在督查地点“{visit.org_unit.name}”范围内")
    if unit is None or not unit.is_active:
        raise CaseError("请选择整改责任单位")
    if due_on < clock.today():
        raise CaseError(f"整改期限 {due_on} 早于今天，请重新填写")
    if not (title or "").strip() or not (content or "").strip():
        raise CaseError("请填写问题标题和具体情况")
    return register_assigned(
        actor,
        kind=Kind.RECTIFICATION,
        source=Source.UNANNOUNCED if visit.is_unannounced else Source.INSPECTION,
        title=title,
        content=content,
        org_unit=org_unit,
        unit=unit,
        due_on=due_on,
        note=f"督查发现问题，限 {due_on:%Y年%m月%d日} 前整改到位",
        data={"visit": visit.pk},
        origin=source,
        visit=visit,
    )


# ---------------------------------------------------------------------------------------------
# Dispute mediation


MEDIATION_LEVELS = ("village", "town", "county")


def hand_over(
    actor: User, case: Case, *, unit: ResponsibleUnit, note: str, source: str = "web"
) -> Case:
    """A dispute the village (or town) cannot settle goes up one level to ``unit``.

    The case's level moves up, the handling clock of the lower holder ends and the higher
    holder's clock starts with that level's limit; the event keeps both holders.
    """
    note = _require_note(note, "移交理由")
    if unit is None or not unit.is_active:
        raise CaseError("请选择接手的责任单位")
    at = clock.now()
    with transaction.atomic():
        case = _lock(case)
        if case.kind != Kind.MEDIATION:
            raise CaseError("只有矛盾纠纷件可以逐级移交")
        _require_handler(actor, case)
        _require_state(case, [State.ASSIGNED, State.IN_PROGRESS], "handover")
        if case.level not in MEDIATION_LEVELS or case.level == "county":
            raise CaseError("县级调处的纠纷无法再向上移交：请办结并选择转信访或转诉讼")
        new_level = MEDIATION_LEVELS[MEDIATION_LEVELS.index(case.level) + 1]
        old_unit = case.unit.name if case.unit_id else ""
        _move(
            case,
            "handover",
            State.ASSIGNED,
            actor=actor,
            at=at,
            note=note,
            source=source,
            fields={"unit": unit, "level": new_level, "due_at": None},
            data={"from_unit": old_unit, "unit": unit.name, "level": new_level},
        )
    return case


def record_sweep(
    actor: User,
    *,
    org_unit: OrgUnit,
    round_label: str,
    swept_on: dt.date,
    disputes_found: int,
    notes: str = "",
) -> DisputeSweep:
    """One 排查 round in one village: the count found (each dispute is then a mediation case)."""
    require(actor, "cases.register", org_unit)
    if org_unit is None or org_unit.level != Level.VILLAGE:
        raise CaseError("矛盾纠纷排查按村记录，请选择村")
    round_label = (round_label or "").strip()
    if not round_label:
        raise CaseError("请填写排查轮次（如“2018年7月第一轮”）")
    if swept_on > clock.today():
        raise CaseError(f"排查日期 {swept_on} 晚于今天，请核对")
    if disputes_found < 0 or disputes_found > 10000:
        raise CaseError("排查出的纠纷件数应为0至10000")
    try:
        with transaction.atomic():
            row = DisputeSweep.objects.create(
                org_unit=org_unit,
                round_label=round_label[:40],
                swept_on=swept_on,
                disputes_found=disputes_found,
                notes=(notes or "").strip(),
                recorded_by=actor,
                recorded_at=clock.now(),
            )
            audit.record(
                row, {"disputes_found": [None, disputes_found]}, actor=actor, action="记录纠纷排查"
            )
    except IntegrityError:
        raise CaseError(f"{org_unit.name}“{round_label}”的排查已记录") from None
    return row


# ---------------------------------------------------------------------------------------------
# HQ settings


def set_time_limit(
    actor: User, *, kind: str, level: str, stage: str, days: int | None, working_days: bool
) -> TimeLimit:
    require(actor, "cases.manage")
    if (
        kind not in Kind.values
        or level not in limits.LEVELS
        or stage not in limits.STAGES_WITH_PARK
    ):
        raise CaseError("时限表中没有这一格")
    if days is not None and not 1 <= days <= 365:
        raise CaseError(f"时限应为1至365天（填写的是 {days}），不限时请勾选“不限时”")
    with transaction.atomic():
        row, created = TimeLimit.objects.get_or_create(
            kind=kind,
            level=level,
            stage=stage,
            defaults={
                "days": days,
                "working_days": working_days,
                "updated_at": clock.now(),
                "updated_by": actor,
            },
        )
        if created:
            audit.record(row, {"days": [None, days]}, actor=actor, action="设置办理时限")
        else:
            audit.apply_changes(
                row,
                {
                    "days": days,
                    "working_days": working_days,
                    "updated_at": clock.now(),
                    "updated_by": actor,
                },
                actor=actor,
                action="修改办理时限",
            )
    return row


def set_calendar_day(
    actor: User, *, day: dt.date, is_working_day: bool, name: str = ""
) -> CalendarDay:
    """HQ declares a day a holiday or a working day (future clocks count with it)."""
    require(actor, "cases.manage")
    with transaction.atomic():
        row, _ = CalendarDay.objects.update_or_create(
            day=day, defaults={"is_working_day": is_working_day, "name": name.strip()[:50]}
        )
        audit.record(
            row, {"is_working_day": [None, is_working_day]}, actor=actor, action="调整节假日"
        )
    return row


def available_actions(user: User, case: Case) -> list[str]:
    """The actions ``user`` may take on ``case`` now (for the case page and the API)."""
    names = []
    manage = can(user, "cases.manage", case)
    handler = is_handler(user, case)
    verifier = can(user, "cases.verify", case)
    state = case.state
    if manage and state == State.REGISTERED:
        names += ["accept", "reject"]
    if manage and state in (State.ACCEPTED, State.RETURNED, State.REOPENED):
        names.append("assign")
    if handler and state == State.ASSIGNED:
        names += ["start", "return"]
    if handler and state == State.IN_PROGRESS:
        names += ["resolve", "return"]
    if (
        handler
        and case.kind == Kind.MEDIATION
        and state in (State.ASSIGNED, State.IN_PROGRESS)
        and case.level in ("village", "town")
    ):
        names.append("handover")
    if verifier and state == State.RESOLVED and case.resolved_by_id != user.pk:
        names.append("verify")
    if manage and state == State.VERIFIED:
        names.append("close")
    if (manage or verifier) and state in (State.RESOLVED, State.VERIFIED, State.CLOSED):
        names.append("reopen")
    if state in OPEN_STATES:
        stage = case.current_stage
        allowed = handler if stage == Stage.HANDLE else can(user, _stage_capability(stage), case)
        if allowed:
            names.append("resume" if case.is_paused else "pause")
    if may_comment(user, case):
        names.append("comment")
    return names
