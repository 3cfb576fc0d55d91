from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse

from tuopin.org import audit
from tuopin.org.forms import OrgUnitForm
from tuopin.org.models import (
    ApiToken,
    AuditEvent,
    LoginCounter,
    OrgUnit,
    Person,
    ResponsibleUnit,
    UnitGroup,
    User,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    form = OrgUnitForm
    list_display = ["code", "name", "level", "is_poor_village", "is_active"]
    list_filter = ["level", "is_poor_village", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(ResponsibleUnit)
class ResponsibleUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "org_unit", "head"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["org_unit", "head"]


@admin.register(UnitGroup)
class UnitGroupAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["members"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "post", "unit", "is_leader"]
    list_filter = ["is_leader"]
    search_fields = ["name", "post"]


@admin.register(User)
class TuopinUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "scope", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["person", "scope", "unit"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("角色与范围", {"fields": ["role", "person", "scope", "unit", "phone"]}),
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "model", "object_repr", "source"]
    list_filter = ["action", "model", "source"]
    search_fields = ["object_repr", "object_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issuing a token generates its key, shows it once on the next page and keeps only a digest."""

    list_display = ["user", "name", "created_at", "last_used_at", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "user__username"]
    fields = ["user", "name", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # The holder of a token never changes: issue a new one for another user.
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj: ApiToken, form, change: bool) -> None:
        with transaction.atomic():
            if change:
                changes = {
                    field: [form.initial.get(field), form.cleaned_data[field]]
                    for field in form.changed_data
                }
                super().save_model(request, obj, form, change)
                if changes:
                    audit.record(
                        obj, changes, actor=request.user, action="修改接口令牌", source="admin"
                    )
                return
            key = obj.assign_new_key()
            super().save_model(request, obj, form, change)
            audit.record(
                obj,
                {"user": [None, obj.user.username], "name": [None, obj.name]},
                actor=request.user,
                action="签发接口令牌",
                source="admin",
            )
        request.issued_api_key = key

    def response_add(self, request, obj: ApiToken, post_url_continue=None) -> HttpResponse:
        # The key exists only in this response: it is shown here and nowhere else, ever.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "key": request.issued_api_key,
            "title": "接口令牌已签发",
        }
        return TemplateResponse(request, "admin/org/apitoken/issued.html", context)


@admin.register(LoginCounter)
class LoginCounterAdmin(admin.ModelAdmin):
    """Read-only view of the login door's counters; deleting one lifts that lock early."""

    list_display = ["kind", "key", "failures", "window_started_at"]
    list_filter = ["kind"]
    search_fields = ["key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
