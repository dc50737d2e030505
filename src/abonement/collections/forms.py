from django import forms
from django.utils.translation import gettext_lazy as _

from abonement.collections.models import Collection


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["name"]
        error_messages = {"name": {"required": _("Give the collection a name.")}}


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ["name", "network"]
        error_messages = {"name": {"required": _("Give the template a name.")}}

    def __init__(self, *args, networks, platform: bool = False, **kwargs):
        """`platform`: the platform admin may also make a template for every library (no network)."""
        super().__init__(*args, **kwargs)
        network = self.fields["network"]
        network.queryset = networks
        network.required = not platform
        network.empty_label = _("Every network (the whole platform)") if platform else None
        network.label = _("Network")


class TitleSearchForm(forms.Form):
    q = forms.CharField(label=_("Find books to add: title, author or ISBN"), required=False, max_length=200)
