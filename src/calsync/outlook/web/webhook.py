"""``POST /outlook/notifications``: where Microsoft Graph delivers change notifications.

The contract (handshake, ``clientState``, 202/400, nothing synced inside the request) is
:mod:`calsync.outlook.triggers.notifications`'s; this view only speaks HTTP. Its cost is
bounded: one query per POST whatever it holds, at most ``MAX_ITEMS`` items read, and each
source address may POST ``CALSYNC_NOTIFICATION_RATE`` times a minute (600; past that, 429
with ``Retry-After``, and Graph delivers again later).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calsync.outlook.triggers import notifications


@csrf_exempt
@never_cache
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    """Graph's validation handshake, or a batch of change / lifecycle notifications."""
    wait = _over_rate(str(request.META.get("REMOTE_ADDR", "")))
    if wait:
        answer = HttpResponse(status=429, content_type="text/plain")
        answer["Retry-After"] = str(wait)
        return answer
    token = request.GET.get("validationToken")
    if token is not None:
        if len(token) > notifications.MAX_TOKEN_LENGTH:
            return HttpResponseBadRequest(b"", content_type="text/plain")
        return HttpResponse(token, content_type="text/plain; charset=utf-8")
    items = notifications.items_of(request.body)
    if items is None:
        return HttpResponseBadRequest(b"", content_type="text/plain")
    notifications.handle(items)
    return HttpResponse(status=202)


WINDOW = 60


def _over_rate(source: str) -> int:
    """Seconds ``source`` must wait (0: it may POST now); counts this POST."""
    limit = int(getattr(settings, "CALSYNC_NOTIFICATION_RATE", 600))
    window = int(time.time() // WINDOW)
    key = f"calsync:webhook:{source}:{window}"
    cache.add(key, 0, timeout=WINDOW * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted meanwhile: count afresh
        cache.set(key, 1, timeout=WINDOW * 2)
        count = 1
    return 0 if count <= limit else (window + 1) * WINDOW - int(time.time())
