from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from abonement.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Abonement", {"fields": ("phone", "language")}),)
    list_display = ["username", "email", "phone", "first_name", "last_name", "is_superuser"]
