"""The demo populator on the small test county: a roster for every village, July's checks,
discipline cases from repeated absences and 整改 cases from failed items; every metric answers."""

from __future__ import annotations

import datetime as dt

from tuopin.cases.models import Case, Kind
from tuopin.lib import clock
from tuopin.synth import villages_demo
from tuopin.villages import metrics
from tuopin.villages.models import ChecklistInspection, PresenceCheck, TeamMember


def test_the_demo_loads_and_every_metric_answers(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    messages = []
    with clock.frozen("2018-07-20T10:00:00+08:00"):
        villages_demo.populate(world.county, seed=1, log=messages.append)
        villages_demo.populate(world.county, seed=1, log=messages.append)  # idempotent
    assert messages[-1] == "驻村队伍已有数据，跳过"
    assert set(TeamMember.objects.values_list("village__code", flat=True)) == {
        world.cg_village.code,
        world.cg_village2.code,
        world.df_village.code,
        world.df_village2.code,
    }
    assert PresenceCheck.objects.filter(checked_on__month=7).exists()
    assert ChecklistInspection.objects.filter(template__key="sanwu").count() >= 4
    assert Case.objects.filter(kind=Kind.DISCIPLINE).count() >= 1
    on = dt.date(2018, 7, 20)
    for definition in metrics.definitions():
        found = definition["bulk"]("county", on, [world.county.code])
        assert world.county.code in found, definition["key"]
        if definition["key"] in ("villages.attendance_rate", "villages.trained_share"):
            assert found[world.county.code].value is not None
    assert metrics.stamp()
