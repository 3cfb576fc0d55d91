"""API: the employment and collective-economy ledgers' imports (the engine's routes:
``/api/jobs/import``, ``/api/jobs/economy/import``) and the 空壳村 list in the caller's scope."""

from __future__ import annotations

from ninja import Router, Schema

from tuopin.jobs.ledger_app import ECONOMY_APP, JOBS_APP
from tuopin.jobs.views import income_by_village
from tuopin.ledger.api import add_routes
from tuopin.lib import clock
from tuopin.water.views import villages_for

router = Router(tags=["就业帮扶"])
economy = Router(tags=["村集体经济"])
add_routes(router, JOBS_APP)
add_routes(economy, ECONOMY_APP)


class Hollow(Schema):
    code: str
    name: str
    reported: bool
    total: float


@economy.get(
    "/hollow", response=list[Hollow], summary="空壳村：当年经营性集体收入为零（或未填报）的村"
)
def hollow(request, year: int | None = None):
    today = clock.today()
    year = min(max(year or today.year, 2000), today.year)
    villages = list(villages_for(request.user, "economy"))
    table = income_by_village([v.pk for v in villages], year)
    return [
        Hollow(
            code=v.code,
            name=v.name,
            reported=table[v.pk]["reported"],
            total=float(table[v.pk]["total"]),
        )
        for v in villages
        if table[v.pk]["operating"] <= 0
    ]


router.add_router("/economy/", economy)
