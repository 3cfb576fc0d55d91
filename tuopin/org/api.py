"""API: who am I, the org tree and responsible units as the caller may see them."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.security import HttpBearer

from tuopin.lib import clock
from tuopin.org import codes
from tuopin.org.models import ApiToken, OrgUnit, ResponsibleUnit

router = Router(tags=["组织机构"])


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every refusal of the API: a Chinese ``detail`` and, for bad fields, one item each."""

    detail: str
    errors: list[ErrorItem] = []


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user", "user__scope", "user__unit")
            .filter(digest=ApiToken.digest_of(token), is_active=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        found.note_use(clock.now())
        request.user = found.user
        return found.user


class MeOut(Schema):
    username: str
    name: str
    role: str
    role_name: str
    scope_code: str | None
    unit: str | None


class OrgUnitOut(Schema):
    code: str
    name: str
    level: str
    is_poor_village: bool
    parent_code: str | None


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    org_code: str


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "role_name": user.get_role_display(),
        "scope_code": user.scope.code if user.scope_id else None,
        "unit": user.unit.name if user.unit_id else None,
    }


def _org_out(unit: OrgUnit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "is_poor_village": unit.is_poor_village,
        "parent_code": codes.parent_code(unit.code) if unit.parent_id else None,
    }


@router.get("/org-units/{code}", response=OrgUnitOut, summary="区划详情")
def org_unit(request, code: str):
    return _org_out(get_object_or_404(OrgUnit.objects.visible_to(request.user), code=code))


@router.get("/org-units/{code}/children", response=list[OrgUnitOut], summary="下级区划")
def org_children(request, code: str):
    parent = get_object_or_404(OrgUnit.objects.visible_to(request.user), code=code)
    return [_org_out(child) for child in parent.children.visible_to(request.user).order_by("code")]


@router.get("/units", response=list[UnitOut], summary="可见的责任单位")
def units(request):
    queryset = ResponsibleUnit.objects.visible_to(request.user).select_related("org_unit")
    return [
        {"id": u.pk, "name": u.name, "kind": u.kind, "org_code": u.org_unit.code} for u in queryset
    ]
