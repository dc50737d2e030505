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

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
        self.fields["network"].required = True
        self.fields["network"].empty_label = None
        self.fields["network"].label = _("Network")


class TitleSearchForm(forms.Form):
    q = forms.CharField(label=_("Find books to add: title, author or ISBN"), required=False, max_length=200)
