from django import forms
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=500, required=False)


def search(request):
    """Catalogue search, open without login (SPEC C4). Being written (catalogue issue)."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return render(request, "catalog/search.html", {"form": form, "query": query, "results": []})


def suggest(request):
    return JsonResponse({"suggestions": []})
