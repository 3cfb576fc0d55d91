"""The household files' field pages for offline use (see tuopin/offline/fieldwork.py): the
visit form for helpers and cadres, and the 记录帮扶措施 form of a helper's households."""

from __future__ import annotations

from django.urls import reverse

from tuopin.org.access import has_capability


def pages(user) -> list[tuple[str, str]]:
    from tuopin.households.models import Helper

    found = []
    if has_capability(user, "households.visit") or Helper.objects.filter(user_id=user.pk).exists():
        found.append(("记录帮扶走访", reverse("households:visit")))
    found.extend(measure_pages(user))
    return found


def measure_pages(user, limit: int = 50) -> list[tuple[str, str]]:
    """记录帮扶措施 (``households.measure``) of the households a helper is paired with (a
    cadre's pages are kept as they are opened with signal)."""
    from tuopin.households.models import Assignment

    numbers = (
        Assignment.objects.filter(
            helper__user_id=user.pk, household__is_active=True, household__is_registered=True
        )
        .order_by("household__household_no")
        .values_list("household__household_no", flat=True)[:limit]
    )
    return [(f"记录帮扶措施 {n}", reverse("households:measure", args=[n])) for n in numbers]
