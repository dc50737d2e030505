from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from abonement.readers.models import Card


@login_required
def my_books(request):
    """The reader's books across all their libraries (loans arrive with the lending issue)."""
    cards = Card.objects.filter(user=request.user).select_related("library")
    return render(request, "circulation/my_books.html", {"cards": cards, "loans": []})
