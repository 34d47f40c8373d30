"""Django settings for calling Weblate's machinery outside a Weblate site:
Weblate's own example settings, with an in-memory SQLite database (the
machinery classes import Weblate's models but query none) and a local
memory cache (where the machinery keeps the language list)."""
from weblate.settings_example import *  # noqa: F401,F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
