"""The demo command loop: every part has rows, the metrics have values, and it runs once."""

from __future__ import annotations

import datetime as dt

from tuopin.cases.models import Case, DisputeSweep, Kind
from tuopin.command.models import (
    AccountabilityRecord,
    DutyShift,
    FieldVisit,
    Instruction,
    Meeting,
    TownAssignment,
)
from tuopin.lib import clock, metrics
from tuopin.synth import command_demo
from tuopin.synth.county import build_county


def test_the_demo_command_loop_is_realistic_and_idempotent(db):
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        county = build_county(seed=1).county
        lines: list[str] = []
        command_demo.populate(county, seed=1, log=lines.append)
        assert Meeting.objects.count() == 2 and Instruction.objects.count() >= 5
        assert TownAssignment.objects.count() == 10
        assert DutyShift.objects.filter(signed_in_at__isnull=False).exists()
        assert DutyShift.objects.filter(day=dt.date(2018, 7, 20), leader__name="葛管社").exists()
        assert FieldVisit.objects.count() > 20
        assert AccountabilityRecord.objects.count() == 2
        assert DisputeSweep.objects.exists()
        mediations = Case.objects.filter(kind=Kind.MEDIATION)
        assert (
            mediations.filter(level="town").exists()
            and mediations.filter(outcome="settled").exists()
        )
        assert Case.objects.filter(kind=Kind.PETITION, source="online").count() == 3
        assert Case.objects.filter(kind=Kind.INSTRUCTION, escalation_count__gt=0).exists()
        on = dt.date(2018, 7, 20)
        for key in (
            "command.visits_per_leader",
            "command.towns_unvisited",
            "command.duty_days_kept",
            "cases.instructions_overdue",
            "cases.disputes_found",
            "cases.disputes_village_share",
        ):
            assert metrics.evaluate(key, county, on).value is not None, key
        assert metrics.evaluate("command.towns_unvisited", county, on).value == 2
        counts = (Meeting.objects.count(), Case.objects.count(), FieldVisit.objects.count())
        command_demo.populate(county, seed=1, log=lines.append)
        assert lines[-1] == "指挥调度已有数据，跳过"
        assert (Meeting.objects.count(), Case.objects.count(), FieldVisit.objects.count()) == counts
