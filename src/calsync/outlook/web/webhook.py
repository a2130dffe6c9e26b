"""``POST /outlook/notifications``: where Microsoft Graph delivers change notifications.

The contract (handshake, ``clientState``, 202/400, nothing synced inside the request) is
:mod:`calsync.outlook.triggers.notifications`'s; this view only speaks HTTP.
"""

from __future__ import annotations

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
