"""Item types of the network and the library's circulation rules, with the what-if of a change before saving
(SPEC P1, P4, P5). Thin: changes in circulation.rules."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abonement.catalog.models import ItemType
from abonement.circulation import rules
from abonement.circulation.models import CirculationRule
from abonement.core import clock, tenancy
from abonement.core.errors import DomainError, add_to_form
from abonement.readers.models import ReaderCategory


class ItemTypeForm(forms.ModelForm):
    class Meta:
        model = ItemType
        fields = ["code", "name"]


class RenameItemTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)


class RuleForm(forms.ModelForm):
    reader_category = forms.ChoiceField(
        label=gettext_lazy("reader category"),
        required=False,
        choices=[("", gettext_lazy("Any reader")), *ReaderCategory.choices],
    )
    redate_loans = forms.BooleanField(
        label=gettext_lazy("also change the due dates of current loans"),
        required=False,
        help_text=gettext_lazy("Off: the rule applies to new loans only."),
    )

    class Meta:
        model = CirculationRule
        fields = ["item_type", "reader_category", *rules.RULE_TERMS]

    def __init__(self, *args, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = rules.item_types_of(library.network)
        self.fields["item_type"].empty_label = gettext_lazy("Any type")

    def terms(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ["item_type", "reader_category", *rules.RULE_TERMS]}


def _list_context(request, library, **forms_):
    return {
        "library": library,
        "item_types": rules.item_types_of(library.network),
        "rules": rules.rules_of(library),
        "item_type_form": forms_.get("item_type_form") or ItemTypeForm(),
        "rename_errors": forms_.get("rename_errors"),
        "currency": library.currency,
    }


@tenancy.librarian_required
def rules_page(request):
    library = tenancy.current_library(request)
    return render(request, "circulation/rules.html", _list_context(request, library))


@tenancy.librarian_required
@require_POST
def item_type_add(request):
    library = tenancy.current_library(request)
    form = ItemTypeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            rules.create_item_type(actor=request.user, network=library.network, **form.cleaned_data)
        except DomainError as error:
            status = add_to_form(form, error, {error.code: "code"})
        else:
            messages.success(request, _("Item type added."))
            return redirect("staff:circulation_rules")
    return render(
        request, "circulation/rules.html", _list_context(request, library, item_type_form=form), status=status
    )


@tenancy.librarian_required
@require_POST
def item_type_rename(request, item_type_id: int):
    library = tenancy.current_library(request)
    item_type = tenancy.get_scoped(rules.item_types_of(library.network), pk=item_type_id)
    form = RenameItemTypeForm(request.POST)
    if not form.is_valid():
        context = _list_context(request, library, rename_errors={item_type.pk: form.errors["name"]})
        return render(request, "circulation/rules.html", context, status=400)
    rules.rename_item_type(actor=request.user, item_type=item_type, name=form.cleaned_data["name"])
    messages.success(request, _("Item type renamed."))
    return redirect("staff:circulation_rules")


def _rule_page(request, *, rule: CirculationRule | None):
    library = tenancy.current_library(request)
    form = RuleForm(request.POST or None, instance=rule, library=library)
    preview = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if "save" in request.POST:
                    row, redated = rules.save_rule(
                        actor=request.user,
                        library=library,
                        rule=rule,
                        terms=form.terms(),
                        redate_loans=form.cleaned_data["redate_loans"],
                    )
                    messages.success(
                        request,
                        _("Rule saved; due dates changed on %(count)d current loans.") % {"count": redated}
                        if redated
                        else _("Rule saved; it applies to new loans."),
                    )
                    return redirect("staff:circulation_rules")
                rules.check_unique(library=library, rule=rule, terms=form.terms())
                preview = rules.what_if(library=library, rule=rule, terms=form.terms(), now=clock.now())
                status = 200
            except DomainError as error:
                status = add_to_form(form, error, {rules.DuplicateRule.code: "item_type"})
    context = {"library": library, "form": form, "rule": rule, "preview": preview}
    return render(request, "circulation/rule_form.html", context, status=status)


@tenancy.librarian_required
def rule_create(request):
    return _rule_page(request, rule=None)


@tenancy.librarian_required
def rule_edit(request, rule_id: int):
    library = tenancy.current_library(request)
    return _rule_page(request, rule=tenancy.get_scoped(rules.rules_of(library), pk=rule_id))


@tenancy.librarian_required
def rule_delete(request, rule_id: int):
    """GET: what deleting the rule changes; POST: delete it (and re-date current loans when ticked)."""
    library = tenancy.current_library(request)
    rule = tenancy.get_scoped(rules.rules_of(library), pk=rule_id)
    if request.method == "POST":
        redated = rules.delete_rule(
            actor=request.user, library=library, rule=rule, redate_loans=bool(request.POST.get("redate_loans"))
        )
        messages.success(
            request,
            _("Rule deleted; due dates changed on %(count)d current loans.") % {"count": redated}
            if redated
            else _("Rule deleted."),
        )
        return redirect("staff:circulation_rules")
    preview = rules.what_if(library=library, rule=rule, terms=None, now=clock.now())
    return render(request, "circulation/rule_delete.html", {"library": library, "rule": rule, "preview": preview})
