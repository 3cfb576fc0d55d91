"""Demo: once the registry, reports, cases and assessment data exist, the computed indicators
are evaluated (as the worker's plan.refresh_indicators job does every few minutes)."""

from __future__ import annotations

from collections.abc import Callable

from tuopin.org.models import OrgUnit
from tuopin.plan import indicators
from tuopin.plan.models import Campaign


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    from tuopin.dashboard.sectors import grant_defaults

    granted = grant_defaults(county)
    if granted:
        log(f"行业数据授权：{granted} 项（交通局、电力局、住建局、水利局、卫计局等）")
    for campaign in Campaign.objects.filter(county=county, is_active=True):
        done = indicators.refresh(campaign)
        log(
            f"计算指标：{done['metrics']} 项，{done['snapshots']} 个计算值，{done['measurements']} 条进展"
        )
