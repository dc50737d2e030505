from django.contrib import admin

from abonement.collections.models import Collection, CollectionGroup, CollectionTitle


class CollectionTitleInline(admin.TabularInline):
    model = CollectionTitle
    raw_id_fields = ["title"]
    extra = 0


class CollectionGroupInline(admin.TabularInline):
    model = CollectionGroup
    raw_id_fields = ["group"]
    # Issue records are written by the mass issue only.
    readonly_fields = ["issued_at", "issued_by", "loans_issued"]
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "library", "network", "made_from"]
    list_filter = ["network", "library"]
    search_fields = ["name"]
    raw_id_fields = ["made_from"]
    inlines = [CollectionTitleInline, CollectionGroupInline]
