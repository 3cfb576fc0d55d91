"""The registry's data for offline field forms: the households of the user's own villages,
personal fields shown exactly as the screen shows them to this user (org.privacy)."""

from __future__ import annotations

from tuopin.org import privacy
from tuopin.org.models import Level, OrgUnit
from tuopin.registry.models import Household

# A town has a few thousand households (Long County's largest ~9,000); county-wide roles
# download villages only. Beyond the bound the list is cut and says so (``households_total``).
MAX_HOUSEHOLDS = 12000
FIELD_LEVELS = {Level.TOWN, Level.VILLAGE}


def data(user) -> dict:
    scope = getattr(user, "scope", None)
    if scope is None:
        return {}
    villages = list(
        OrgUnit.objects.visible_to(user)
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values("code", "name", "is_poor_village")
    )
    found: dict = {"villages": villages}
    if scope.level not in FIELD_LEVELS:
        return found
    in_scope = Household.objects.visible_to(user).active()
    households = in_scope.select_related("village").order_by("village__code", "household_no")[
        :MAX_HOUSEHOLDS
    ]
    rows = []
    with privacy.output(user, what="外业离线数据：本辖区户列表", via="offline") as shown:
        for household in households:
            disclosure = shown.of(household)
            rows.append(
                {
                    "no": household.household_no,
                    "village": household.village.code,
                    "group": household.group_name,
                    "head": disclosure.name(household.head_name),
                    "phone": disclosure.phone(household.phone),
                    "registered": household.is_registered,
                }
            )
    found["households"] = rows
    found["households_total"] = len(rows) if len(rows) < MAX_HOUSEHOLDS else in_scope.count()
    return found
