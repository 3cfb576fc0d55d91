from __future__ import annotations

from tuopin.cases import backlog
from tuopin.cases.models import Case, CaseEvent, InspectionVisit, PetitionRating
from tuopin.lib import clock
from tuopin.synth import cases_demo
from tuopin.synth.county import build_county


def test_the_demo_ledgers_are_realistic_and_idempotent(db):
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        county = build_county(seed=1).county
        lines: list[str] = []
        cases_demo.populate(county, seed=1, log=lines.append)
        total = Case.objects.count()
        events = CaseEvent.objects.count()
        assert total > 100
        assert InspectionVisit.objects.count() == 8
        assert PetitionRating.objects.exists()
        assert any("查询码" in line for line in lines)
        figures = backlog.figures(county)
        assert figures.open > 0
        assert figures.overdue > 0
        assert Case.objects.filter(is_paused=True).exists()
        assert Case.objects.filter(state="closed").exists()
        assert Case.objects.filter(kind="rectification").exists()
        cases_demo.populate(county, seed=1, log=lines.append)
        assert lines[-1] == "问题台账已有数据，跳过"
        assert (Case.objects.count(), CaseEvent.objects.count()) == (total, events)
