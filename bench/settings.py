"""The portal's settings plus the benchmark's ceiling page: `DJANGO_SETTINGS_MODULE=bench.settings`.

Everything is the production profile of `thredd_onboard.settings` (the same middleware,
sessions, database and template engine); only the URLconf (`bench.urls`: the portal's URLs
and `/bench/ceiling/`) and a template directory for the ceiling's page are added. `make bench`
runs gunicorn, the Celery worker and its own process with it; the portal never does.
"""

from thredd_onboard.settings import *  # noqa: F403
from thredd_onboard.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]
