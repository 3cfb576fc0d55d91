"""Template context: the navigation, built from the URL names each app provides."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from tuopin.lib import clock

# (URL name, label); an entry appears once its app provides the URL.
NAVIGATION = [
    ("dashboard:home", "指挥大屏"),
    ("plan:home", "作战计划"),
    ("reports:home", "周报"),
    ("bulletin:archive", "周通报"),
    ("registry:home", "建档立卡"),
    ("assess:home", "退出评估"),
    ("cases:home", "问题台账"),
    ("org:browse", "组织机构"),
]


def navigation(request) -> dict:
    items = []
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        for name, label in NAVIGATION:
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav_items": items, "clock_now": clock.now()}
