from django.contrib import admin

from abonement.notifications.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "status", "attempts"]
    list_filter = ["status", "kind", "channel"]
    readonly_fields = [f.name for f in Notice._meta.fields]
