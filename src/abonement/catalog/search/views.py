"""The catalogue search page and the suggestions endpoint (SPEC C4): open to anyone, GET only."""

from django import forms
from django.conf.locale import LANG_INFO
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from abonement.catalog.models import AgeRating, Format
from abonement.catalog.search import query
from abonement.core import tenancy


class SearchForm(forms.Form):
    """Everything is optional and forgiving: a bad value is ignored, never an error page."""

    q = forms.CharField(label=_("Search the catalogue"), required=False, strip=True)
    format = forms.ChoiceField(label=_("Format"), choices=[("", _("Any"))] + Format.choices, required=False)
    language = forms.CharField(label=_("Language"), max_length=8, required=False)
    age = forms.TypedChoiceField(
        label=_("Age rating"),
        choices=[("", _("Any"))] + AgeRating.choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    genre = forms.IntegerField(label=_("Genre"), min_value=1, max_value=2**62, required=False)
    free = forms.BooleanField(label=_("Free only"), required=False)
    available = forms.BooleanField(label=_("Available now"), required=False)
    fund = forms.BooleanField(label=_("In my library's fund"), required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def values(self) -> dict:
        """Cleaned values; a field with a bad value counts as not given."""
        self.is_valid()
        data = {name: None for name in self.fields}
        data.update(self.cleaned_data)
        return data


def fund_libraries(request) -> list[int]:
    """The libraries whose fund "in my library's fund" means: a librarian's current library, a reader's
    libraries (their cards). Empty for anonymous visitors, who do not see that facet."""
    if not request.user.is_authenticated:
        return []
    from abonement.readers.models import Card

    libraries = set(Card.objects.filter(user=request.user).values_list("library_id", flat=True))
    library = tenancy.current_library(request)
    if library is not None:
        libraries.add(library.pk)
    return sorted(libraries)


def _language_name(code: str) -> str:
    info = LANG_INFO.get(code)
    return _(info["name"]) if info else code


@require_GET
def search(request):
    """Catalogue search, open without login (SPEC C4)."""
    form = SearchForm(request.GET)
    data = form.values()
    text = (data["q"] or "").strip()
    libraries = fund_libraries(request)
    filters = query.Filters(
        format=data["format"] or "",
        language=(data["language"] or "").strip().lower(),
        age_rating=data["age"],
        genre=data["genre"],
        free=bool(data["free"]),
        available=bool(data["available"]),
        in_fund=bool(data["fund"]) and bool(libraries),
    )
    results = query.search(text, filters, page=data["page"] or 1, fund_libraries=libraries)
    for value in results.facets.get("language", []):
        value.label = _language_name(value.value)
    groups = []
    for name, key, legend, shown in (
        ("format", "format", _("Format"), 10),
        ("genre", "genre", _("Genre"), 12),
        ("age", "age_rating", _("Age rating"), 10),
        ("language", "language", _("Language"), 8),
    ):
        values = results.facets.get(key, [])
        chosen = [v for v in values if v.selected]
        values = values[:shown] + [v for v in chosen if v not in values[:shown]]
        groups.append({"name": name, "legend": legend, "values": values, "any": not chosen})
    context = {
        "form": form,
        "query": text,
        "results": results,
        "filters": filters,
        "show_fund": bool(libraries),
        "facet_groups": groups,
        "facets_partial": results.estimated,
        "previous_page": results.page - 1,
        "next_page": results.page + 1,
        "first_number": (results.page - 1) * query.PAGE_SIZE + 1,
        "match_limit": query.MATCH_LIMIT,
    }
    return render(request, "catalog/search.html", context)


@require_GET
def suggest(request):
    """Titles and authors whose name starts with what is typed (JSON), for the search box."""
    found = query.suggest(request.GET.get("q", ""))
    for suggestion in found:
        if suggestion["kind"] == "t":
            suggestion["url"] = reverse("catalog:title", kwargs={"title_id": suggestion["id"]})
            suggestion["kind"] = "title"
        else:
            suggestion["url"] = reverse("catalog:author", kwargs={"author_id": suggestion["id"]})
            suggestion["kind"] = "author"
    response = JsonResponse({"suggestions": found})
    patch_cache_control(response, public=True, max_age=60)
    return response
