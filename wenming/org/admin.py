from django.contrib import admin

from wenming.core.admin import AuditedAdmin

from .models import Department, Hospital, OrgImport, PartyOrganization, RoleAssignment, Staff


@admin.register(Hospital)
class HospitalAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "time_zone"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "parent", "category", "is_active", "head"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "head"]
    readonly_fields = ["path", "depth"]


@admin.register(Staff)
class StaffAdmin(AuditedAdmin):
    list_display = ["staff_no", "name", "department", "title", "post", "is_party_member", "status"]
    list_filter = ["status", "is_party_member", "department__category"]
    search_fields = ["staff_no", "name", "name_initials"]
    raw_id_fields = ["department", "party_branch", "user"]

    def has_delete_permission(self, request, obj=None):
        return False  # staff are never deleted: they leave


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "secretary"]
    list_filter = ["kind"]
    raw_id_fields = ["secretary"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role"]
    list_filter = ["role"]
    filter_horizontal = ["departments"]
    raw_id_fields = ["user"]


@admin.register(OrgImport)
class OrgImportAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "created_by", "status", "departments_name", "staff_name"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in OrgImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
