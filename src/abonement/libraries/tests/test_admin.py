import pytest
from django.contrib import admin

from abonement.circulation import services as circulation
from abonement.libraries.admin import LibraryAdmin
from abonement.libraries.models import CreditEntry, Library


@pytest.mark.django_db
def test_saving_a_library_in_the_admin_keeps_credits_spent_meanwhile(library_factory):
    library = library_factory()
    opened = Library.objects.get(pk=library.pk)  # the admin's form loads the library…
    circulation.grant_credits(operator=None, library=library, amount=7)  # …a grant lands…
    opened.name = "Renamed"
    LibraryAdmin(Library, admin.site).save_model(None, opened, None, change=True)  # …and the form is saved
    library.refresh_from_db()
    assert library.name == "Renamed"
    assert library.credits == 7 == sum(CreditEntry.objects.filter(library=library).values_list("amount", flat=True))
