"""Template context: the navigation, built from the URL names each app provides."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from tuopin.lib import clock
from tuopin.org.access import has_capability

# (URL name, label, needs a scope, capability needed or ""); an entry appears once its app
# provides the URL. The boards, the registry, the assessment and the org tree show a place: a
# department's reporter or head has no place (only a unit), so those entries would only refuse them.
NAVIGATION = [
    ("dashboard:home", "指挥大屏", True, ""),
    ("dashboard:catalogue", "指标目录", True, ""),
    ("plan:home", "作战计划", False, ""),
    ("reports:home", "周报", False, ""),
    ("bulletin:archive", "周通报", False, ""),
    ("registry:home", "建档立卡", True, ""),
    ("assess:home", "退出评估", True, ""),
    ("cases:home", "问题台账", False, ""),
    ("command:home", "指挥调度", True, ""),
    ("projects:home", "项目资金", False, ""),
    ("villages:home", "驻村队伍", True, ""),
    ("water:home", "安全饮水", False, ""),
    ("jobs:home", "就业帮扶", False, ""),
    ("jobs:economy", "集体经济", False, ""),
    ("households:home", "帮扶档案", False, ""),
    ("org:browse", "组织机构", True, ""),
    ("org:accounts", "账号管理", True, "org.manage"),
    ("dashboard:sector_grants", "行业授权", True, "org.manage"),
]


def navigation(request) -> dict:
    items = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        has_place = user.scope_id is not None or user.is_superuser
        for name, label, needs_scope, capability in NAVIGATION:
            if needs_scope and not has_place:
                continue
            if capability and not has_capability(user, capability):
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav_items": items, "clock_now": clock.now()}
