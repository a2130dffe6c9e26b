"""The WSGI application served by ``calsync run`` (or any WSGI server: ``calsync.wsgi``).

Before the handler is built, an https Base URL turns the HTTPS settings on
(:func:`calsync.core.deployment.apply_https`): Django's middleware reads them when made.
"""

from __future__ import annotations

import os

import django
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calsync.settings")
django.setup(set_prefix=False)

from calsync.core.deployment import apply_https  # noqa: E402  (needs the apps loaded)

apply_https()
application = WSGIHandler()
