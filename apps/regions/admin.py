"""The administrative divisions, read-only.

They are reference data: maintained by rebuilding fixtures/regions.json from the published code table
(`build_regions_fixture`) and loading it (`load_regions`), never by editing rows here. Staff with the
view permission can browse and search them.
"""

from django.contrib import admin

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    # "^code": a code prefix ("35", "3501") finds the whole jurisdiction.
    search_fields = ["^code", "name", "name_en"]
    list_select_related = ["parent"]
    ordering = ["code"]
    list_per_page = 100
    fields = ["code", "name", "name_en", "level", "prefix", "parent"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
