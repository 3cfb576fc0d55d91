from __future__ import annotations

from decimal import Decimal

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tuopin.reports"
    label = "reports"
    verbose_name = "周报"

    def ready(self) -> None:
        from tuopin.lib.metrics import Metric, register
        from tuopin.reports import worker

        worker.register()
        register(
            Metric(
                key="reports.on_time_rate",
                name="周报按时签报率",
                unit="%",
                kind="computed",
                compute=_on_time_rate,
                description="已到截止时间的单位周报中，主要领导在截止前签字的比例。",
                levels=LEVELS,
                source="reports",
                bulk=_bulk("on_time"),
                stamp=_stamp(),
            )
        )
        register(
            Metric(
                key="reports.completeness_rate",
                name="周报完整率",
                unit="%",
                kind="computed",
                compute=_completeness_rate,
                description="已到截止时间的单位周报中，已签字（含迟报）的比例。",
                levels=LEVELS,
                source="reports",
                bulk=_bulk("signed"),
                stamp=_stamp(),
            )
        )


def _rate_row(scope, on):
    """Totals over the campaigns of a county (OrgUnit) or one unit (ResponsibleUnit), up to ``on``."""
    from tuopin.lib import clock
    from tuopin.reports.models import Report
    from tuopin.reports.timeliness import Rate

    reports = Report.objects.filter(period__deadline__lte=clock.end_of_day(on))
    if getattr(scope, "code", None):
        reports = reports.filter(unit__org_unit__code__startswith=scope.code)
    else:
        reports = reports.filter(unit_id=scope.pk)
    row = Rate(scope, str(scope))
    for timeliness in reports.values_list("timeliness", flat=True):
        row.add(timeliness)
    return row


def _value(rate, on):
    from tuopin.lib.metrics import Value

    if rate is None:
        return Value(None, reason="尚无到期的周报", as_of=on)
    return Value(rate, as_of=on)


def _on_time_rate(scope, on):
    return _value(_rate_row(scope, on).on_time_rate, on)


def _completeness_rate(scope, on):
    return _value(_rate_row(scope, on).completeness_rate, on)


LEVELS = ("county", "town", "unit")


def _stamp():
    from tuopin.lib import metrics

    def stamp() -> str:
        from django.db.models import Count, Max

        from tuopin.lib import clock
        from tuopin.reports.models import Report

        rows = Report.objects.aggregate(
            n=Count("pk"), last=Max("pk"), signed=Max("first_signed_at")
        )
        return f"{rows}|{clock.now():%Y%m%d%H%M}"

    return metrics.held_stamp(stamp)


def _bulk(part: str):
    """Rates per unit, or per area over the units of that area (one grouped query)."""

    def bulk(level, on, codes):
        from django.db.models import Count, Q

        from tuopin.lib import clock, metrics
        from tuopin.reports.models import Report, Timeliness
        from tuopin.reports.timeliness import NOT_DUE, _percent

        good = [Timeliness.ON_TIME] if part == "on_time" else [Timeliness.ON_TIME, Timeliness.LATE]
        reports = Report.objects.filter(period__deadline__lte=clock.end_of_day(on)).exclude(
            timeliness__in=list(NOT_DUE)
        )
        aggregates = {"num": Count("pk", filter=Q(timeliness__in=good)), "den": Count("pk")}
        if level == "unit":
            if codes is not None:
                reports = reports.filter(unit_id__in=[int(c) for c in codes if c.isdigit()])
            rows = {
                str(row["unit_id"]): row
                for row in reports.values("unit_id").annotate(**aggregates).order_by()
            }
            wanted = list(codes) if codes is not None else list(rows)
        else:
            rows = metrics.area_rows(reports, "unit__org_unit__code", level, codes, aggregates)
            wanted = metrics.level_codes(level, codes)
        result = {}
        for code in wanted:
            row = rows.get(code)
            if not row or not row["den"]:
                result[code] = metrics.Value(None, reason="尚无到期的周报", as_of=on)
                continue
            value = _percent(row["num"], row["den"])
            result[code] = metrics.Value(
                value, as_of=on, numerator=Decimal(row["num"]), denominator=Decimal(row["den"])
            )
        return result

    return bulk
