"""API of the command loop: meetings with their instructions, accountability leads and records."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status

from tuopin.cases.backlog import overdue_q
from tuopin.cases.models import Case
from tuopin.command import actions, candidates
from tuopin.command.models import AccountabilityRecord, Meeting
from tuopin.lib import clock
from tuopin.lib.bounds import Day, Id, Offset, page_size
from tuopin.org.access import is_county_wide
from tuopin.org.api import ErrorOut
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Campaign

router = Router(tags=["指挥调度"])


def _county_wide(request) -> None:
    if not is_county_wide(request.user):
        raise PermissionDenied("指挥调度接口仅对县级用户开放")


class InstructionOut(Schema):
    text: str
    leader: str
    unit: str
    due_on: dt.date
    case_id: int
    case_number: str
    state: str
    state_name: str
    overdue: bool


class MeetingOut(Schema):
    id: int
    held_on: dt.date
    chair: str
    attendees: str
    discussion: str
    instructions: list[InstructionOut]


class CandidateOut(Schema):
    reason_kind: str
    reason_name: str
    unit_id: int | None
    unit: str | None
    reason: str
    case_id: int | None
    since: dt.date | None
    decided_record_id: int | None


class MeasureIn(Schema):
    subject_unit_id: Id | None = None
    subject_person: str = Field("", max_length=100)
    reason_kind: str = Field(description="milestone / report / case / check / other")
    reason: str = Field(max_length=2000)
    measure: str = Field(description="talk / criticism / admonish / inspect / discipline / other")
    decided_on: Day
    decided_by: str = Field(max_length=100)
    case_id: Id | None = None
    evidence: str = Field("", max_length=5000)


class MeasureOut(Schema):
    id: int
    subject: str
    reason_kind: str
    reason: str
    measure: str
    measure_name: str
    decided_on: dt.date
    decided_by: str


def _measure(row: AccountabilityRecord) -> dict:
    return {
        "id": row.pk,
        "subject": row.subject_label,
        "reason_kind": row.reason_kind,
        "reason": row.reason,
        "measure": row.measure,
        "measure_name": row.get_measure_display(),
        "decided_on": row.decided_on,
        "decided_by": row.decided_by,
    }


@router.get("/meetings", response=list[MeetingOut], summary="面对面会议与交办事项")
def list_meetings(request, limit: page_size(200) = 50, offset: Offset = 0):
    _county_wide(request)
    meetings = list(Meeting.objects.order_by("-held_on", "-id")[offset : offset + limit])
    overdue = set(
        Case.objects.filter(instruction__meeting__in=meetings)
        .filter(overdue_q(clock.now()))
        .values_list("pk", flat=True)
    )
    result = []
    for meeting in meetings:
        items = meeting.instructions.select_related("unit", "case")
        result.append(
            {
                "id": meeting.pk,
                "held_on": meeting.held_on,
                "chair": meeting.chair,
                "attendees": meeting.attendees,
                "discussion": meeting.discussion,
                "instructions": [
                    {
                        "text": item.text,
                        "leader": item.leader,
                        "unit": item.unit.name,
                        "due_on": item.due_on,
                        "case_id": item.case_id,
                        "case_number": item.case.number,
                        "state": item.case.state,
                        "state_name": item.case.get_state_display(),
                        "overdue": item.case_id in overdue and item.case.is_open,
                    }
                    for item in items
                ],
            }
        )
    return result


@router.get("/candidates", response=list[CandidateOut], summary="数据提示的问责线索")
def list_candidates(request):
    _county_wide(request)
    campaign = Campaign.objects.filter(is_active=True).order_by("-issued_on", "-id").first()
    return [
        {
            "reason_kind": c.reason_kind,
            "reason_name": c.reason_label,
            "unit_id": c.unit.pk if c.unit else None,
            "unit": c.unit.name if c.unit else None,
            "reason": c.reason,
            "case_id": c.case.pk if c.case else None,
            "since": c.since,
            "decided_record_id": c.decided.pk if c.decided else None,
        }
        for c in candidates.candidates(campaign)
    ]


@router.get("/measures", response=list[MeasureOut], summary="问责记录")
def list_measures(request, limit: page_size(500) = 100, offset: Offset = 0):
    _county_wide(request)
    rows = AccountabilityRecord.objects.select_related("subject_unit")
    return [_measure(row) for row in rows[offset : offset + limit]]


@router.post("/measures", response={201: MeasureOut, 400: ErrorOut}, summary="记录问责决定")
def record_measure(request, payload: MeasureIn):
    unit = None
    if payload.subject_unit_id is not None:
        unit = ResponsibleUnit.objects.filter(pk=payload.subject_unit_id).first()
        if unit is None:
            return Status(400, {"detail": "问责对象单位不存在", "errors": []})
    case = None
    if payload.case_id is not None:
        case = Case.objects.visible_to(request.user).filter(pk=payload.case_id).first()
        if case is None:
            return Status(400, {"detail": "相关问题件不存在", "errors": []})
    try:
        row = actions.record_measure(
            request.user,
            subject_unit=unit,
            subject_person=payload.subject_person,
            reason_kind=payload.reason_kind,
            reason=payload.reason,
            measure=payload.measure,
            decided_on=payload.decided_on,
            decided_by=payload.decided_by,
            case=case,
            evidence=payload.evidence,
        )
    except actions.CommandError as error:
        return Status(400, {"detail": str(error), "errors": []})
    return Status(201, _measure(row))
