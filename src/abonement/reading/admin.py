from django.contrib import admin

from abonement.reading.models import BuyLink, Chapter, ReviewSetting

admin.site.register(BuyLink)
admin.site.register(Chapter)
admin.site.register(ReviewSetting)
