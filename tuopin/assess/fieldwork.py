"""The assess app's field pages for offline use: each drill village page with sampled
households in the user's scope (the page shows them masked as on screen)."""

from __future__ import annotations

from django.urls import reverse

from tuopin.assess import actions
from tuopin.assess.models import DrillHousehold
from tuopin.org.models import OrgUnit

MAX_DRILL_PAGES = 60


def pages(user) -> list[tuple[str, str]]:
    if not actions.may_visit(user):
        return []
    rows = list(
        DrillHousehold.objects.visible_to(user)
        .values_list("drill_id", "drill__name", "village_code")
        .distinct()
        .order_by("-drill_id", "village_code")[:MAX_DRILL_PAGES]
    )
    names = dict(
        OrgUnit.objects.filter(code__in={code for _, _, code in rows}).values_list("code", "name")
    )
    return [
        (
            f"{name} · 走访{names.get(code, '样本村')}",
            f"{reverse('assess:drill', args=[drill])}?village={code}",
        )
        for drill, name, code in rows
    ]
