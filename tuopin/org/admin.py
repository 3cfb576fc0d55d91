from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tuopin.org.forms import OrgUnitForm
from tuopin.org.models import (
    ApiToken,
    AuditEvent,
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
    list_display = ["user", "name", "created_at", "last_used_at", "is_active"]
    readonly_fields = ["digest", "created_at", "last_used_at"]
