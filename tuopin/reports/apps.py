from __future__ import annotations

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
                description="已到截止时间的单位周报中，主要领导在截止前签字的比例",
            )
        )
        register(
            Metric(
                key="reports.completeness_rate",
                name="周报完整率",
                unit="%",
                kind="computed",
                compute=_completeness_rate,
                description="已到截止时间的单位周报中，已签字（含迟报）的比例",
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
