import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonement.settings")
application = get_wsgi_application()

# Management commands run the system checks; gunicorn started by hand runs none. A demo database (public
# passwords) must not be served in production however the site is started.
from abonement.core.checks import demo_accounts_in_production  # noqa: E402 — needs the apps loaded above

if errors := demo_accounts_in_production():
    raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
