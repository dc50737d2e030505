from django.contrib import admin

from abonement.libraries.models import Library, Network, StaffMembership


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    filter_horizontal = ["operators"]


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "parent", "credits"]
    list_filter = ["network"]
    # Credits move only through the ledger (lending issue), never by editing the number.
    readonly_fields = ["credits"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "library", "created_at"]
