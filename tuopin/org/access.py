"""Who may see what, and who may change what: the two helpers every view goes through.

*Seeing* is a filter: ``Model.objects.visible_to(user)`` keeps the rows whose org code lies in
the user's subtree (``scope``), or that belong to the user's own responsible unit.
*Changing* is a capability checked against the object's place: :func:`can`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from tuopin.org.codes import subtree_q
from tuopin.org.models import Level, Role

# The level a role's scope must be (None: the scope is optional or county-wide).
SCOPE_LEVEL_BY_ROLE = {
    Role.TOWN_CADRE: Level.TOWN,
    Role.VILLAGE_CADRE: Level.VILLAGE,
}

# What each role may do. Scope still applies: a town cadre edits households of its own town.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.HQ_ADMIN: frozenset(
        {
            "org.manage",
            "plan.manage",
            "reports.receive",
            "reports.manage",
            "registry.edit",
            "registry.import",
            "registry.reopen",
            "personal_data.view",
            "assess.manage",
            "assess.visit",
            "cases.register",
            "cases.manage",
            "cases.handle",
            "cases.verify",
            "inspections.record",
            "bulletin.publish",
            "command.manage",
            "projects.import",
            "projects.photo",
            "projects.settings",
            "villages.roster",
            "villages.check",
            "villages.manage",
            "water.import",
            "water.test",
            "jobs.import",
            "economy.import",
            "jobs.record",
            "economy.record",
            "households.import",
            "households.edit",
            "households.visit",
            "households.rounds",
            "households.assign",
        }
    ),
    # A county leader records their own field visits and signs in for their duty days.
    Role.LEADER: frozenset({"cases.verify", "command.visit"}),
    Role.UNIT_REPORTER: frozenset({"reports.fill", "cases.handle", "projects.photo"}),
    Role.UNIT_HEAD: frozenset({"reports.fill", "reports.sign", "cases.handle", "projects.photo"}),
    Role.TOWN_CADRE: frozenset(
        {
            "registry.edit",
            "registry.import",
            # Reopening a closed household changes the town's counts: town level and above.
            "registry.reopen",
            "personal_data.view",
            "cases.register",
            "cases.handle",
            "assess.visit",
            "projects.photo",
            "villages.roster",
            "villages.check",
            "water.import",
            "water.test",
            "jobs.import",
            "economy.import",
            "jobs.record",
            "economy.record",
            "households.import",
            "households.edit",
            "households.visit",
            # pairing helpers with households: the town for its villages, HQ for all
            "households.assign",
        }
    ),
    Role.VILLAGE_CADRE: frozenset(
        {
            "registry.edit",
            "personal_data.view",
            "cases.register",
            "cases.handle",
            "assess.visit",
            "projects.photo",
            "water.test",
            "jobs.record",
            "economy.record",
            "households.edit",
            "households.visit",
        }
    ),
    Role.INSPECTOR: frozenset(
        {
            "inspections.record",
            "cases.register",
            "cases.verify",
            "assess.visit",
            "villages.check",
        }
    ),
    Role.VIEWER: frozenset(),
}

NOTHING = Q(pk__in=[])


def visible_q(user, *, code_path: str | None = "code", unit_path: str | None = None) -> Q:
    """The filter for rows ``user`` may see.

    ``code_path`` leads to the row's org code (a village, town or county code); ``unit_path``
    leads to the id of the responsible unit that owns the row, for unit-owned records.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()
    condition = NOTHING
    if code_path is not None and user.scope_id is not None:
        condition |= subtree_q(user.scope.code, code_path)
    if unit_path is not None and user.unit_id is not None:
        condition |= Q(**{unit_path: user.unit_id})
    return condition


def in_scope(user, obj) -> bool:
    """Whether ``obj`` (anything with ``scope_code`` and/or ``scope_unit_id``) is the user's."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    code = getattr(obj, "scope_code", None)
    if code is not None and user.scope_id is not None and code.startswith(user.scope.code):
        return True
    unit_id = getattr(obj, "scope_unit_id", None)
    return unit_id is not None and unit_id == user.unit_id


def has_capability(user, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in CAPABILITIES.get(user.role, frozenset())


def can(user, capability: str, obj=None) -> bool:
    """Whether ``user`` may do ``capability`` (to ``obj``, which must lie in the user's scope)."""
    if not has_capability(user, capability):
        return False
    return obj is None or in_scope(user, obj)


def require(user, capability: str, obj=None) -> None:
    if not can(user, capability, obj):
        raise PermissionDenied("您没有权限执行此操作")


def is_county_wide(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or (user.scope_id is not None and user.scope.level in ("county", "city", "province"))
        )
    )
