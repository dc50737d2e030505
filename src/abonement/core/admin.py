from django.contrib import admin

from abonement.core.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "actor_label", "library", "ip"]
    list_filter = ["kind"]
    date_hierarchy = "at"
