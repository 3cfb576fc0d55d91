"""Shared helpers for the cases tests: register and move cases under a frozen clock."""

from __future__ import annotations

import datetime as dt

from tuopin.cases import actions
from tuopin.cases.models import Case, Kind, Source
from tuopin.lib import clock

SH = clock.SHANGHAI


def at(text: str) -> dt.datetime:
    """'2018-07-02 09:00' in Shanghai time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def petition(world, when: str = "2018-07-02 09:00", *, org_unit=None, phone="13912345678") -> Case:
    with clock.frozen(at(when)):
        return actions.register_case(
            world.cadre,
            kind=Kind.PETITION,
            source=Source.VISIT,
            title="低保评定不公",
            content="反映本村低保评定不公开",
            org_unit=org_unit or world.cg_village,
            reporter_name="张三",
            reporter_phone=phone,
        )


def problem(world, when: str = "2018-07-02 09:00", *, kind=Kind.DISCIPLINE, org_unit=None) -> Case:
    with clock.frozen(at(when)):
        return actions.register_case(
            world.hq,
            kind=kind,
            source=Source.INSPECTION,
            title="驻村干部不在岗",
            content="暗访发现驻村工作队员连续三天不在岗",
            org_unit=org_unit or world.cg_village,
            subject="某驻村工作队员",
        )


def step(when: str, function, *args, **kwargs):
    with clock.frozen(at(when)):
        return function(*args, **kwargs)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)
