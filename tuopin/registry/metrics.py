"""Registry counts as metrics (current registry state, for an org unit's subtree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Count, Q, Sum

from tuopin.lib import metrics


def _scope_code(scope) -> str | None:
    code = getattr(scope, "code", None)
    if code is None and getattr(scope, "org_unit_id", None):
        code = scope.org_unit.code
    return code


def _counter(aggregate: Callable[[], dict], key: str) -> Callable[[object, dt.date], metrics.Value]:
    def compute(scope, on: dt.date) -> metrics.Value:
        from tuopin.registry.models import Household

        code = _scope_code(scope)
        if code is None:
            return metrics.Value(None, reason="该范围没有区划，无法统计档案")
        households = Household.objects.active().under(code)
        if not households.exists():
            return metrics.Value(None, reason="该范围尚未导入农户档案", as_of=on)
        value = households.aggregate(**aggregate())[key]
        return metrics.Value(Decimal(value or 0), as_of=on)

    return compute


REMAINING = Q(is_registered=True, exit_status__in=["not_exited", "returned"])

DEFINITIONS = (
    ("registry.households", "农户数", "户", lambda: {"v": Count("pk")}, "当前有效的农村户数"),
    (
        "registry.persons",
        "农村人口",
        "人",
        lambda: {"v": Sum("member_count")},
        "当前有效农户的成员人数",
    ),
    (
        "registry.registered_households",
        "建档立卡户数",
        "户",
        lambda: {"v": Count("pk", filter=Q(is_registered=True))},
        "是否建档立卡为“是”的有效农户",
    ),
    (
        "registry.registered_persons",
        "建档立卡人口",
        "人",
        lambda: {"v": Sum("member_count", filter=Q(is_registered=True))},
        "建档立卡户的成员人数",
    ),
    (
        "registry.remaining_poor_persons",
        "未脱贫人口",
        "人",
        lambda: {"v": Sum("member_count", filter=REMAINING)},
        "脱贫状态为未脱贫或返贫的建档立卡户成员人数",
    ),
)


def register_registry_metrics() -> None:
    for key, name, unit, aggregate, description in DEFINITIONS:
        metrics.register(
            metrics.Metric(
                key=key,
                name=name,
                unit=unit,
                kind="computed",
                compute=_counter(aggregate, "v"),
                description=description,
                higher_is_better=key != "registry.remaining_poor_persons",
            )
        )
