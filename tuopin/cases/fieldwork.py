"""The cases app's field pages for offline use (see tuopin/offline/fieldwork.py)."""

from __future__ import annotations

from django.urls import reverse

from tuopin.org.access import has_capability


def pages(user) -> list[tuple[str, str]]:
    found = []
    if has_capability(user, "cases.register"):
        found.append(("登记问题", reverse("cases:register")))
    if has_capability(user, "inspections.record"):
        found.append(("记录督查", reverse("cases:inspection_new")))
    return found
