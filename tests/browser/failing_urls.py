"""A URLconf for the browser tests: calsync's own, plus ``/fails``, a view that raises (so a
real request meets the 500 page, rendered by Django's handler as in production)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure the test asked for")


urlpatterns = [path("fails", fails), path("", include("calsync.urls"))]
