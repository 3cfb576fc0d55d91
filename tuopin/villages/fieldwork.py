"""The village checks' field pages and data for offline use (see tuopin/offline/fieldwork.py).

* pages: one checklist page per current checklist, where the place is chosen on the form
  (``villages:inspect_any``), so a county-wide inspector can inspect any village in scope
  without a page per village; the presence check of each village in scope (it lists that
  village's team, so it is one page per village), at most ``MAX_PRESENCE_PAGES`` of them;
* data: the current checklists with their items (``checklists``), at most ``MAX_TEMPLATES``.
  Checklists hold no personal data."""

from __future__ import annotations

from django.urls import reverse

from tuopin.org.access import has_capability
from tuopin.org.models import Level, OrgUnit

# A phone keeps at most 200 pages (offline.views.MAX_PAGES); the presence pages take at most
# 120 of them — Long County's 120 villages (synth/county.py), so a county-wide inspector gets every
# one; a village past the bound is kept once its page is opened with signal — and the checklist
# pages one per list.
MAX_PRESENCE_PAGES = 120
MAX_TEMPLATES = 30


def _templates():
    from tuopin.villages.models import ChecklistTemplate

    return ChecklistTemplate.objects.filter(is_current=True).order_by("key")[:MAX_TEMPLATES]


def pages(user) -> list[tuple[str, str]]:
    if not has_capability(user, "villages.check"):
        return []
    found = [
        (template.name, reverse("villages:inspect_any", args=[template.key]))
        for template in _templates()
    ]
    villages = OrgUnit.objects.visible_to(user).filter(level=Level.VILLAGE, is_active=True)
    for village in villages.order_by("code")[:MAX_PRESENCE_PAGES]:
        found.append((f"{village.name}在岗检查", reverse("villages:presence", args=[village.code])))
    return found


def data(user) -> dict:
    if not has_capability(user, "villages.check"):
        return {}
    checklists = []
    for template in _templates().prefetch_related("items"):
        checklists.append(
            {
                "key": template.key,
                "name": template.name,
                "version": template.version,
                "target": template.target,
                "items": [
                    {
                        "order": item.order,
                        "text": item.text,
                        "mode": item.mode,
                        "max_score": None if item.max_score is None else str(item.max_score),
                        "pass_mark": None if item.pass_mark is None else str(item.pass_mark),
                        "evidence_required": item.evidence_required,
                    }
                    for item in template.items.all()
                ],
            }
        )
    return {"checklists": checklists}
