"""The village checks' field pages for offline use (see tuopin/offline/fieldwork.py): the
presence check and the checklist inspection of each village in the user's scope."""

from __future__ import annotations

from django.urls import reverse

from tuopin.org.access import has_capability
from tuopin.org.models import Level, OrgUnit

MAX_PAGES = 60


def pages(user) -> list[tuple[str, str]]:
    if not has_capability(user, "villages.check"):
        return []
    from tuopin.villages.models import ChecklistTemplate

    found = []
    villages = OrgUnit.objects.visible_to(user).filter(level=Level.VILLAGE, is_active=True)
    templates = list(ChecklistTemplate.objects.filter(is_current=True, target="village"))
    for village in villages.order_by("code")[: MAX_PAGES // 2]:
        found.append((f"{village.name}在岗检查", reverse("villages:presence", args=[village.code])))
        for template in templates[:1]:
            found.append(
                (
                    f"{village.name}{template.name}",
                    reverse("villages:inspect", args=[template.key, village.code]),
                )
            )
    return found
