"""The household files' field pages for offline use (see tuopin/offline/fieldwork.py): the
visit form for helpers and cadres, and each household's 七到户 form for village cadres."""

from __future__ import annotations

from django.urls import reverse

from tuopin.org.access import has_capability


def pages(user) -> list[tuple[str, str]]:
    from tuopin.households.models import Helper

    found = []
    if has_capability(user, "households.visit") or Helper.objects.filter(user_id=user.pk).exists():
        found.append(("记录帮扶走访", reverse("households:visit")))
    return found
