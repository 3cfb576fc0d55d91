"""The household files' field pages and data for offline use (see tuopin/offline/fieldwork.py).

* pages: the visit form (helpers with a login, and cadres who record visits); the 七到户 form
  of each household assigned to the user that the user may edit, and the 记录帮扶措施 form of
  each household assigned to the user, at most ``MAX_SEVEN_PAGES`` of each (a cadre's pages are
  kept as they are opened with signal);
* data: a helper's own assigned households (``helper_households``: number, village, group,
  head's name and phone shown through ``org.privacy`` exactly as the visit page and the
  household page show them to this user), at most ``MAX_ROSTER``, so the visit form can be
  filled for any of them without signal (``households_total`` style: ``helper_households_total``
  says how many there are when the list is cut)."""

from __future__ import annotations

from django.urls import reverse

from tuopin.org import privacy
from tuopin.org.access import has_capability, in_scope

# A 帮扶责任人 has a handful of households (a 第一书记 a village's worth); the bound keeps a
# mistaken assignment list from filling the phone.
MAX_ROSTER = 500
MAX_SEVEN_PAGES = 60


def _assigned(user):
    from tuopin.registry.models import Household

    return (
        Household.objects.filter(
            pk__in=_assignments(user).values("household_id"), is_active=True, is_registered=True
        )
        .select_related("village")
        .order_by("household_no")
    )


def _assignments(user):
    from tuopin.households.models import Assignment

    return Assignment.objects.filter(helper__user_id=user.pk)


def pages(user) -> list[tuple[str, str]]:
    from tuopin.households.models import Helper

    found = []
    if has_capability(user, "households.visit") or Helper.objects.filter(user_id=user.pk).exists():
        found.append(("记录帮扶走访", reverse("households:visit")))
    if has_capability(user, "households.edit"):
        editable = [h for h in _assigned(user)[: MAX_SEVEN_PAGES * 2] if in_scope(user, h)]
        for household in editable[:MAX_SEVEN_PAGES]:
            number = household.household_no
            found.append((f"七到户 {number}", reverse("households:seven", args=[number])))
    found.extend(measure_pages(user))
    return found


def measure_pages(user) -> list[tuple[str, str]]:
    """记录帮扶措施 (``households.measure``) of the households the user is paired with."""
    numbers = _assigned(user).values_list("household_no", flat=True)[:MAX_SEVEN_PAGES]
    return [(f"记录帮扶措施 {n}", reverse("households:measure", args=[n])) for n in numbers]


def data(user) -> dict:
    households = list(_assigned(user)[: MAX_ROSTER + 1])
    if not households:
        return {}
    rows = []
    with privacy.output(user, what="外业离线数据：结对帮扶户", via="offline") as shown:
        for household in households[:MAX_ROSTER]:
            disclosure = shown.of(household)
            rows.append(
                {
                    "no": household.household_no,
                    "village": household.village.code,
                    "village_name": household.village.name,
                    "group": household.group_name,
                    "head": disclosure.name(household.head_name),
                    "phone": disclosure.phone(household.phone),
                }
            )
    total = len(rows) if len(households) <= MAX_ROSTER else _assigned(user).count()
    return {"helper_households": rows, "helper_households_total": total}
