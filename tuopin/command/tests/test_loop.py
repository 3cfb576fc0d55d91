"""The command loop: an instruction in the minutes becomes a tracked task its unit sees, that
escalates when overdue and that next week's agenda lists first; the minutes as a 公文 .docx; the
accountability register proposes candidates from real data and records who decided."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from docx import Document

from tuopin.bulletin.tests.test_docx import NEEDS_LIBREOFFICE, _to_pdf
from tuopin.cases import actions as case_actions
from tuopin.cases.jobs import escalate_overdue
from tuopin.cases.models import Case, CaseEvent, Kind, Source, State
from tuopin.command import actions, candidates
from tuopin.command.actions import CommandError, InstructionInput
from tuopin.command.minutes import render_minutes
from tuopin.command.models import AccountabilityRecord, Instruction, Meeting
from tuopin.lib import clock
from tuopin.org.models import AuditEvent
from tuopin.reports.models import Notification, Period, Report, Timeliness
from tuopin.reports.periods import ensure_reports
from tuopin.reports.tests.conftest import build_setup

MONDAY = "2018-07-16T16:00:00+08:00"


def _meeting(world, setup, *, due=dt.date(2018, 7, 19), unit=None):
    with clock.frozen(MONDAY):
        return actions.record_meeting(
            world.hq,
            held_on=dt.date(2018, 7, 16),
            chair="葛管社",
            attendees="指挥部领导、各责任单位主要负责人",
            discussion="研究通村道路资金拨付问题",
            period=setup.period,
            heard=[(world.transport, "本周完成路面硬化3公里；资金拨付滞后")],
            instructions=[
                InstructionInput(
                    text="协调财政局本周内拨付通村道路资金",
                    unit=unit or world.transport,
                    due_on=due,
                    leader="葛管社",
                )
            ],
        )


def test_an_instruction_becomes_a_task_that_its_unit_sees_escalates_and_the_agenda_lists(
    world, client, login
):
    setup = build_setup(world)
    meeting = _meeting(world, setup)
    instruction = Instruction.objects.get(meeting=meeting)
    case = instruction.case
    assert case.kind == Kind.INSTRUCTION and case.source == Source.MEETING
    assert case.state == State.ASSIGNED and case.unit == world.transport
    assert clock.local(case.clocks.get().deadline).date() == dt.date(2018, 7, 19)
    assert AuditEvent.objects.filter(action="记录面对面会议").exists()
    notice = Notification.objects.get(user=world.reporter)
    assert notice.title.startswith("【领导交办】") and notice.url == f"/cases/{case.pk}/"

    # The unit sees it on its own page (its report) and can work it through the case engine.
    login(world.reporter)
    with clock.frozen("2018-07-17T09:00:00+08:00"):
        ensure_reports(setup.period)
        report = Report.objects.get(period=setup.period, unit=world.transport)
        page = client.get(f"/reports/report/{report.pk}/").content.decode()
    assert "本单位领导交办事项" in page and case.number in page
    with clock.frozen("2018-07-17T09:00:00+08:00"):
        case_actions.start_case(world.reporter, case)

    # Past its deadline the worker escalates it (督办) to the level above the unit.
    with clock.frozen("2018-07-20T09:00:00+08:00"):
        escalate_overdue(clock.now())
    case.refresh_from_db()
    assert case.escalation_count == 1
    assert CaseEvent.objects.filter(case=case, action="escalate").exists()

    # Next week's agenda lists the open instructions first, overdue ones marked.
    next_period = Period.objects.filter(campaign=setup.campaign, number=setup.period.number + 1)
    period = next_period.first() or setup.period
    login(world.hq)
    with clock.frozen("2018-07-23T09:00:00+08:00"):
        agenda = client.get(f"/reports/period/{period.pk}/agenda/").content.decode()
    assert agenda.index("领导交办事项办理情况") < agenda.index("各单位存在问题和意见建议")
    assert case.number in agenda and "已超期" in agenda

    # The unit resolves it, HQ verifies and closes it: it leaves the agenda.
    with clock.frozen("2018-07-23T10:00:00+08:00"):
        case_actions.resolve_case(world.reporter, case, resolution="资金已拨付到位")
        case_actions.verify_case(world.leader, case)
        case_actions.close_case(world.hq, case)
        agenda = client.get(f"/reports/period/{period.pk}/agenda/").content.decode()
    assert case.number not in agenda


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unit": None}, "请选择承办单位"),
        ({"due_on": None}, "请填写办理期限"),
        ({"text": " "}, "交办内容"),
    ],
)
def test_an_instruction_without_unit_or_deadline_is_refused(world, change, message):
    setup = build_setup(world)
    item = {"text": "落实资金", "unit": world.transport, "due_on": dt.date(2018, 7, 19)}
    item.update(change)
    with clock.frozen(MONDAY), pytest.raises(CommandError, match=message):
        actions.record_meeting(
            world.hq,
            held_on=dt.date(2018, 7, 16),
            chair="葛管社",
            attendees="各单位",
            period=setup.period,
            instructions=[InstructionInput(**item)],
        )
    assert not Meeting.objects.exists() and not Case.objects.exists()


def test_the_meeting_form_refuses_a_row_without_a_unit(world, client, login):
    build_setup(world)
    login(world.hq)
    with clock.frozen(MONDAY):
        answer = client.post(
            "/command/meetings/new/",
            {
                "held_on": "2018-07-16",
                "chair": "葛管社",
                "attendees": "各单位",
                "i0-text": "落实资金",
                "i0-due_on": "2018-07-19",
            },
        )
    assert answer.status_code == 400
    assert "请选择承办单位" in answer.content.decode()
    assert not Meeting.objects.exists()


def test_the_minutes_are_a_gongwen_docx(world, client, login):
    setup = build_setup(world)
    meeting = _meeting(world, setup)
    login(world.hq)
    with clock.frozen(MONDAY):
        answer = client.get(f"/command/meetings/{meeting.pk}/minutes.docx")
    assert answer.status_code == 200
    document = Document(io.BytesIO(answer.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "会议纪要" in text and "面对面汇报会议纪要" in text
    assert "县交通局：本周完成路面硬化3公里" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "协调财政局本周内拨付通村道路资金（葛管社）" in cells
    assert meeting.instructions.get().case.number in cells
    section = document.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


@NEEDS_LIBREOFFICE
def test_the_minutes_convert_to_pdf(world, tmp_path):
    setup = build_setup(world)
    meeting = _meeting(world, setup)
    pdf = _to_pdf(render_minutes(meeting), tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True).stdout
    flat = "".join(text.decode().split())
    assert "会议纪要" in flat and "协调财政局本周内拨付通村道路资金" in flat


def test_candidates_come_from_real_data_and_a_decision_is_recorded(world, client, login):
    setup = build_setup(world)
    periods = list(Period.objects.filter(campaign=setup.campaign).order_by("number"))
    past = [p for p in periods if p.deadline <= clock.at(dt.date(2018, 7, 20), 13)][-3:]
    assert len(past) == 3
    for period in past:
        ensure_reports(period)
        Report.objects.filter(period=period, unit=world.health).update(
            timeliness=Timeliness.MISSING
        )
        Report.objects.filter(period=period, unit=world.transport).update(
            timeliness=Timeliness.ON_TIME
        )
    # One week on time breaks the run for 交通局; a case far past its limit is proposed too.
    with clock.frozen("2018-06-20T09:00:00+08:00"):
        overdue = case_actions.register_case(
            world.hq,
            kind=Kind.DISCIPLINE,
            source=Source.INSPECTION,
            title="驻村干部不在岗",
            content="暗访发现驻村工作队员连续三天不在岗",
            org_unit=world.cg_village,
        )
    now = clock.at(dt.date(2018, 7, 20), 13)
    found = candidates.candidates(setup.campaign, now)
    units = [c.unit for c in found if c.reason_kind == "report"]
    assert units == [world.health]
    assert any(c.case == overdue for c in found)

    login(world.hq)
    with clock.frozen(now):
        refused = client.post(
            "/command/accountability/",
            {
                "subject_unit": world.health.pk,
                "reason_kind": "report",
                "reason": "连续3周漏报",
                "measure": "talk",
                "decided_on": "2018-07-20",
                "decided_by": "",
            },
        )
        assert refused.status_code == 400 and "决定人" in refused.content.decode()
        answer = client.post(
            "/command/accountability/",
            {
                "subject_unit": world.health.pk,
                "reason_kind": "report",
                "reason": "连续3周漏报",
                "measure": "talk",
                "decided_on": "2018-07-20",
                "decided_by": "县脱贫攻坚指挥部（葛管社）",
                "evidence": "第4至6周周报时效记录",
            },
        )
    assert answer.status_code == 302
    record = AccountabilityRecord.objects.get()
    assert record.decided_by == "县脱贫攻坚指挥部（葛管社）" and record.recorded_by == world.hq
    assert AuditEvent.objects.filter(action="记录问责").exists()
    found = candidates.candidates(setup.campaign, now)
    decided = [c for c in found if c.unit == world.health and c.reason_kind == "report"]
    assert decided[0].decided == record


def test_a_record_without_reason_or_decider_is_refused(world):
    with clock.frozen(MONDAY):
        for missing in ({"reason": ""}, {"decided_by": " "}):
            fields = {
                "reason_kind": "case",
                "reason": "超期",
                "measure": "talk",
                "decided_on": dt.date(2018, 7, 16),
                "decided_by": "指挥部",
                "subject_unit": world.transport,
            }
            fields.update(missing)
            with pytest.raises(CommandError):
                actions.record_measure(world.hq, **fields)
        with pytest.raises(CommandError, match="问责对象"):
            actions.record_measure(
                world.hq,
                reason_kind="case",
                reason="超期",
                measure="talk",
                decided_on=dt.date(2018, 7, 16),
                decided_by="指挥部",
            )
    assert not AccountabilityRecord.objects.exists()


def test_the_bulletin_lists_the_weeks_measures(world):
    from tuopin.bulletin.compose import compose
    from tuopin.bulletin.docx import render_docx

    setup = build_setup(world)
    with clock.frozen("2018-07-18T09:00:00+08:00"):
        actions.record_measure(
            world.hq,
            subject_unit=world.health,
            subject_person="",
            reason_kind="report",
            reason="连续3周漏报周报",
            measure="criticism",
            decided_on=dt.date(2018, 7, 18),
            decided_by="县脱贫攻坚指挥部",
        )
        actions.record_measure(
            world.hq,
            subject_unit=world.transport,
            reason_kind="case",
            reason="上周的决定",
            measure="talk",
            decided_on=dt.date(2018, 7, 10),
            decided_by="县脱贫攻坚指挥部",
        )
    with clock.frozen("2018-07-20T13:00:00+08:00"):
        snapshot = compose(setup.campaign, "2018-W29")
    rows = snapshot["measures"]["rows"]
    assert [r["subject"] for r in rows] == ["县卫计局"]
    assert rows[0]["measure"] == "通报批评" and rows[0]["decided_by"] == "县脱贫攻坚指挥部"
    document = Document(io.BytesIO(render_docx(snapshot, charts={})))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本周考核问责" in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "周报迟报漏报：连续3周漏报周报" in cells
