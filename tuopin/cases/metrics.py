"""Case metrics in the bulk shape of the metric contract: leaders' instructions overdue and the
dispute-mediation figures (found, settled in the village, escalated, settled within the limit).
Backlog and petition satisfaction are registered in ``backlog.py``.

Each ``bulk(level, on, codes)`` answers every county/town/village code (or responsible-unit id for
level ``unit``) in one grouped query: the case's ``org_code`` cut to the level's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from decimal import Decimal

from django.db.models import Count, Q, Sum

from tuopin.cases.models import (
    Case,
    DisputeSweep,
    Kind,
    Outcome,
    Stage,
    State,
)
from tuopin.lib import clock, metrics

LEVELS = ("county", "town", "village", "unit")
Bulk = Callable[[str, dt.date, Collection[str] | None], dict[str, metrics.Value]]


def end_of(on: dt.date) -> dt.datetime:
    return clock.end_of_day(on)


def grouped(
    queryset, level: str, codes, *, code_path: str, unit_path: str = "unit_id", **aggregates
):
    """``{code: {aggregate: value}}`` for ``queryset`` grouped at ``level`` in one query."""
    if level == "unit" and codes is not None:
        codes = [code for code in codes if code.isdigit()]
    rows = metrics.grouped(queryset, level, codes, code_path, unit_path)
    rows = rows.values("g").annotate(**aggregates).order_by()
    return {row.pop("g"): row for row in rows if row["g"] is not None}


def fill(
    level: str, codes, found: dict[str, metrics.Value], missing: metrics.Value
) -> dict[str, metrics.Value]:
    """A value for every asked code (every code of the level when ``codes`` is None)."""
    if codes is None:
        codes = metrics.all_codes(level)
    return {code: found.get(code, missing) for code in codes}


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def register_bulk(
    *,
    key: str,
    name: str,
    unit: str,
    description: str,
    bulk: Bulk,
    stamp: Callable[[], str] | None = None,
    levels: tuple[str, ...] = LEVELS,
    source: str,
    higher_is_better: bool = True,
) -> metrics.Metric:
    """Register a computed metric in the contract's shape (one grouped query per level)."""
    return metrics.register(
        metrics.Metric(
            key=key,
            name=name,
            unit=unit,
            kind="computed",
            levels=levels,
            source=source,
            description=description,
            bulk=bulk,
            stamp=stamp,
            higher_is_better=higher_is_better,
        )
    )


def stamp_of(model) -> Callable[[], str]:
    return metrics.table_stamp((model._meta.label, "pk"))


case_stamp = metrics.table_stamp(("cases.CaseEvent", "at"))


# ---------------------------------------------------------------------------------------------


def instructions_overdue(level, on, codes):
    """Instructions past their deadline and not resolved at the end of ``on``."""
    moment = end_of(on)
    cases = Case.objects.filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=moment),
        kind=Kind.INSTRUCTION,
        registered_at__lte=moment,
        due_at__lte=moment,
    ).exclude(state=State.REJECTED)
    rows = grouped(cases, level, codes, code_path="org_code", n=Count("pk"))
    found = {code: metrics.Value(Decimal(row["n"]), as_of=on) for code, row in rows.items()}
    return fill(level, codes, found, metrics.Value(Decimal(0), as_of=on))


def _mediations(on: dt.date):
    return Case.objects.filter(kind=Kind.MEDIATION, registered_at__lte=end_of(on))


def disputes_found(level, on, codes):
    """Disputes found in 排查 rounds (the rounds' counts) up to ``on``."""
    sweeps = DisputeSweep.objects.filter(swept_on__lte=on)
    if level == "unit":
        return fill(level, codes, {}, metrics.Value(None, reason="排查按村统计", as_of=on))
    rows = grouped(sweeps, level, codes, code_path="org_unit__code", n=Sum("disputes_found"))
    found = {code: metrics.Value(Decimal(row["n"] or 0), as_of=on) for code, row in rows.items()}
    return fill(level, codes, found, metrics.Value(None, reason="尚无排查记录", as_of=on))


def disputes_settled_in_village(level, on, codes):
    """Share (%) of the disputes settled so far that were settled at village level."""
    rows = grouped(
        _mediations(on).filter(resolved_at__lte=end_of(on)),
        level,
        codes,
        code_path="org_code",
        total=Count("pk"),
        village=Count("pk", filter=Q(level="village", outcome=Outcome.SETTLED)),
    )
    found = {
        code: metrics.Value(percent(row["village"], row["total"]), as_of=on)
        for code, row in rows.items()
    }
    return fill(level, codes, found, metrics.Value(None, reason="尚无办结的矛盾纠纷", as_of=on))


def disputes_escalated(level, on, codes):
    """Disputes handed over to a higher level or sent on to petition or court."""
    rows = grouped(
        _mediations(on),
        level,
        codes,
        code_path="org_code",
        n=Count(
            "pk",
            filter=Q(events__action="handover", events__at__lte=end_of(on))
            | Q(outcome__in=[Outcome.TO_PETITION, Outcome.TO_COURT], resolved_at__lte=end_of(on)),
            distinct=True,
        ),
    )
    found = {code: metrics.Value(Decimal(row["n"]), as_of=on) for code, row in rows.items()}
    return fill(level, codes, found, metrics.Value(Decimal(0), as_of=on))


def disputes_within_limit(level, on, codes):
    """Share (%) of settled disputes resolved without breaching a limit up to the resolution
    (acceptance, assignment and handling at every level; verification is the office's)."""
    settled = _mediations(on).filter(resolved_at__lte=end_of(on))
    rows = grouped(
        settled,
        level,
        codes,
        code_path="org_code",
        total=Count("pk", distinct=True),
        late=Count(
            "pk",
            filter=Q(
                clocks__breached_at__isnull=False,
                clocks__stage__in=[Stage.ACCEPT, Stage.ASSIGN, Stage.HANDLE],
            ),
            distinct=True,
        ),
    )
    found = {
        code: metrics.Value(percent(row["total"] - row["late"], row["total"]), as_of=on)
        for code, row in rows.items()
    }
    return fill(level, codes, found, metrics.Value(None, reason="尚无办结的矛盾纠纷", as_of=on))


def register_metrics() -> None:
    register_bulk(
        key="cases.instructions_overdue",
        name="领导交办事项超期件",
        unit="件",
        description="面对面会议交办、截至当日超过办理期限仍未办结的事项件数，目标为0。",
        bulk=instructions_overdue,
        stamp=case_stamp,
        source="cases",
        higher_is_better=False,
    )
    register_bulk(
        key="cases.disputes_found",
        name="排查出矛盾纠纷",
        unit="件",
        description="各村矛盾纠纷排查记录的纠纷件数之和（截至当日）。",
        bulk=disputes_found,
        stamp=stamp_of(DisputeSweep),
        levels=("county", "town", "village"),
        source="cases",
    )
    register_bulk(
        key="cases.disputes_village_share",
        name="矛盾纠纷村级化解率",
        unit="%",
        description="已办结的矛盾纠纷中，在村级调解成功的比例（小事不出村）。",
        bulk=disputes_settled_in_village,
        stamp=case_stamp,
        source="cases",
    )
    register_bulk(
        key="cases.disputes_escalated",
        name="矛盾纠纷上交件",
        unit="件",
        description="移交上级调处，或以转信访、转诉讼办结的矛盾纠纷件数。",
        bulk=disputes_escalated,
        stamp=case_stamp,
        source="cases",
        higher_is_better=False,
    )
    register_bulk(
        key="cases.disputes_within_limit",
        name="矛盾纠纷按时化解率",
        unit="%",
        description="已办结的矛盾纠纷中，各阶段均未超过办理时限的比例。",
        bulk=disputes_within_limit,
        stamp=case_stamp,
        source="cases",
    )
