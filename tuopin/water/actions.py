"""State changes of the water ledger: write a checked import, add one test report from a phone,
and bring the registry's 水质达标 flag in line with the tests. Each runs in one transaction and
records its history (org AuditEvent)."""

from __future__ import annotations

import datetime as dt
import os

from django.db import transaction

from tuopin.ledger.keyed import SheetsPlan, apply
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.registry.models import Household
from tuopin.water import codes, quality
from tuopin.water.models import SupplyPoint, WaterTest

LEDGER = "water"


def apply_import(plan: SheetsPlan, *, actor=None, source="web", filename="", sha256=""):
    return apply(
        plan,
        LEDGER,
        actor=actor,
        source=source,
        filename=filename,
        sha256=sha256,
        after=lambda plan, actor, source: sync_registry(
            Household.objects.filter(village__code__in=set(plan.place_codes)),
            actor=actor,
            source=source,
        ),
    )


def sync_registry(households, *, actor=None, source: str = "web") -> int:
    """Set 水质达标 of ``households`` to what their latest test says (households without a test
    keep theirs), one history row per changed household naming the report. Returns the count."""
    found = quality.verdicts(households)
    wrong = [
        household
        for household in households.select_related("village").iterator(chunk_size=2000)
        if household.pk in found and household.water_quality_ok != found[household.pk].passed
    ]
    now = clock.now()
    events = []
    for household in wrong:
        verdict = found[household.pk]
        events.append(
            (household, {"water_quality_ok": [household.water_quality_ok, verdict.passed]})
        )
        household.water_quality_ok = verdict.passed
        household.updated_at = now
    Household.objects.bulk_update(wrong, ["water_quality_ok", "updated_at"], batch_size=1000)
    by_reason: dict[str, list] = {}
    for household, changes in events:
        by_reason.setdefault(found[household.pk].reason, []).append((household, changes))
    for reason, items in by_reason.items():
        audit.record_many(
            items, actor=actor, action="按水质检测更新", source=source, note=reason, at=now
        )
    return len(wrong)


class TestRefused(ValueError):
    pass


def add_test(
    *,
    report_no: str,
    point: SupplyPoint | None,
    household: Household | None,
    tested_on: dt.date,
    lab: str,
    sample: str,
    values_text: str,
    upload=None,
    actor=None,
) -> WaterTest:
    """One test report entered on a phone (with its file); refused with the reason if wrong."""
    values, problems = codes.parse_values(values_text)
    if problems:
        raise TestRefused("；".join(problems))
    if point is None and household is None:
        raise TestRefused("请选择供水点或农户")
    if tested_on > clock.today():
        raise TestRefused("检测日期不能晚于今天")
    if WaterTest.objects.filter(report_no=report_no).exists():
        raise TestRefused(f"报告编号 {report_no} 已存在")
    failures = codes.failures(values)
    now = clock.now()
    with transaction.atomic():
        test = WaterTest(
            report_no=report_no,
            village=household.village if household is not None else point.village,
            point=point,
            household=household,
            tested_on=tested_on,
            lab=lab,
            sample=sample,
            values=values,
            passed=not failures,
            failed_items="；".join(failures)[:500],
            created_at=now,
            updated_at=now,
        )
        if upload is not None:
            test.report_file.save(_file_name(upload.name or "report.pdf"), upload, save=False)
        test.save()
        audit.record(test, {}, actor=actor, action="新增检测报告", source="web")
        served = (
            Household.objects.filter(pk=household.pk)
            if household is not None
            else Household.objects.filter(water_services__point=point)
        )
        sync_registry(served, actor=actor, source="web")
    return test


def _file_name(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return f"report{suffix if suffix in ('.pdf', '.jpg', '.jpeg', '.png') else '.pdf'}"
