from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from abonement.catalog import importers
from abonement.catalog.models import Genre, Tag

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SHARED = "shared"

FORMAT_CHOICES = [
    ("", _("Detect from the file")),
    (importers.MARC21, _("MARC 21 (ISO 2709)")),
    (importers.UNIMARC, _("UNIMARC (ISO 2709)")),
    (importers.RUSMARC, _("RUSMARC (ISO 2709)")),
    (importers.MARCXML, _("MARCXML (MARC 21 or RUSMARC)")),
    (importers.CSV, _("CSV")),
]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_("MARC 21 or UNIMARC/RUSMARC (.mrc, .iso, .xml) or CSV, at most %(size)s.")
        % {"size": filesizeformat(MAX_UPLOAD_BYTES)},
        error_messages={"required": _("Choose a file to import."), "empty": _("The file is empty.")},
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s; at most %(max)s can be uploaded here (use the “abonement import” command "
                    "for bigger files)."
                )
                % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload


class TargetField(forms.ChoiceField):
    """Where an import goes; "shared" is a valid answer only for the platform admin."""

    shared_allowed = False

    def validate(self, value):
        if value == SHARED and not self.shared_allowed:
            raise forms.ValidationError(
                _(
                    "Only the platform admin imports into the shared digital catalogue: its titles are lent by every "
                    "network. Choose one of your networks."
                ),
                code="shared_not_allowed",
            )
        super().validate(value)


class OperatorImportForm(ImportForm):
    """Operators choose one of their networks' catalogues of paper books (items into the libraries the file names,
    or into a default one); the platform admin may also choose the shared digital catalogue."""

    target = TargetField(label=_("Import into"))
    library = forms.ModelChoiceField(
        label=_("Library for items that name none"),
        queryset=None,
        required=False,
        help_text=_("Only for paper books."),
    )

    field_order = ["target", "file", "format", "library"]

    def __init__(self, *args, networks, libraries, shared: bool = False, **kwargs):
        """`shared`: the caller is the platform admin, who may import into the shared digital catalogue."""
        super().__init__(*args, **kwargs)
        self.networks = {str(n.pk): n for n in networks}
        target = self.fields["target"]
        target.shared_allowed = shared
        target.choices = ([(SHARED, _("The shared digital catalogue (e-books and audiobooks)"))] if shared else []) + [
            (pk, _("Paper books of %(network)s") % {"network": n.name}) for pk, n in self.networks.items()
        ]
        self.fields["library"].queryset = libraries

    def clean(self):
        data = super().clean()
        target = data.get("target")
        data["network"] = self.networks.get(target) if target and target != SHARED else None
        library = data.get("library")
        if library is not None and (data["network"] is None or library.network_id != data["network"].pk):
            self.add_error("library", _("Choose a library of the network the paper books go to (or none)."))
        return data


class WholeCatalogForm(forms.Form):
    whole_catalog = forms.TypedChoiceField(
        label=_("The library may lend"),
        choices=[("1", _("the whole shared catalogue")), ("0", _("only the selected titles"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )


class IsbnListForm(forms.Form):
    isbns = forms.CharField(
        label=_("ISBNs"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=200_000,
        help_text=_("One or more ISBNs, separated by spaces, commas or new lines."),
        error_messages={"required": _("Enter at least one ISBN.")},
    )


class GenreForm(forms.Form):
    genre = forms.ModelChoiceField(
        label=_("Genre"), queryset=Genre.objects.all(), error_messages={"required": _("Choose a genre.")}
    )


class TagForm(forms.Form):
    tag = forms.CharField(
        label=_("Tag"), max_length=150, error_messages={"required": _("Enter a tag.")}, help_text=_("Its exact name.")
    )

    def clean_tag(self):
        name = self.cleaned_data["tag"].strip()
        if not Tag.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("There is no tag “%(name)s”.") % {"name": name})
        return name
