"""The web room: what people and scripts reach over HTTP.

Owns the pages (``views``: Settings, the consent redirects, Sync with Outlook;
``user_page``: an administrator's ``/users/<id>/calendar`` with Reset Account), the REST API
under ``/api/outlook/`` (``api``), Graph's notification endpoint (``webhook``), the forms
(``forms``, ``reset_form``), what the panel and the API show of an account (``status``),
the template context (``context_processors``), the routes (``urls``), and the templates,
static files and template tags under ``templates/``, ``static/`` and ``templatetags/``
(registered in the project's settings).

May import every room below it (reset, triggers, sync, connection), the app's ``models`` and
``signals``, and :mod:`calsync.calendars`. Nothing imports web but the project's ``urls``
and settings.
"""
