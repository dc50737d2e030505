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

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Never write the balance read when the form was loaded: a take may have spent credits since.
        obj.save(update_fields=[f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name != "credits"])


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "library", "created_at", "deactivated_at"]
