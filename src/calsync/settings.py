"""Django settings for calsync; every knob comes from :mod:`calsync.config`."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from calsync import config

PACKAGE_DIR = Path(__file__).resolve().parent
NODE_MODULES = config.REPO_DIR / "node_modules"

SECRET_KEY = config.secret_key()
DEBUG = config.env_flag("CALSYNC_DEBUG")
"""Loopback only: ``calsync run`` refuses DEBUG on any other address (core.deployment)."""
# The host names calsync answers are checked by core.middleware.HostCheckMiddleware: the Base
# URL's host (stored in the database, so it can change while running), loopback, and these.
# Django's own check is left open so that the Base URL's host gets through it.
ALLOWED_HOSTS = ["*"]
CALSYNC_ALLOWED_HOSTS = config.env_list("CALSYNC_ALLOWED_HOSTS")
CALSYNC_FORWARDED_ALLOW_IPS = config.env_list("CALSYNC_FORWARDED_ALLOW_IPS")
"""Reverse proxies whose X-Forwarded-Proto/Host/For are believed (core.middleware)."""
CSRF_TRUSTED_ORIGINS = config.env_list("CALSYNC_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",  # only for accounts' migration 0002, which hashes its tokens
    "drf_spectacular",
    "axes",
    "csp",
    "calsync.core",
    "calsync.accounts",
    "calsync.outlook",
    "calsync.calendars",
]

MIDDLEWARE = [
    "calsync.core.middleware.ForwardedHeadersMiddleware",
    "calsync.core.middleware.HostCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # the answers compressed (a month of events is a tenth of its weight), static files not
    # (WhiteNoise answers them above); Django's adds random bytes against BREACH
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "calsync.core.fair_share.FairShareMiddleware",
    "calsync.accounts.zones.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "calsync.urls"
WSGI_APPLICATION = "calsync.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # the Outlook app keeps its pages in its web room (outlook/web/templates, which also
        # overrides the calendar's Outlook panel), and its template tags there too
        "DIRS": [PACKAGE_DIR / "templates", PACKAGE_DIR / "outlook" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "libraries": {"outlook_log": "calsync.outlook.web.templatetags.outlook_log"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "calsync.outlook.web.context_processors.outlook",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(config.database_url(), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in {"", ":memory:"}:
        config.private_sqlite_file(Path(DATABASES["default"]["NAME"]))
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # tests use a file too, not Django's shared in-memory database: there a writer meets a
    # concurrent writer's table lock at once (no busy wait), unlike the file it stands for
    DATABASES["default"]["TEST"] = {
        "NAME": config.env(
            "CALSYNC_TEST_DATABASE_NAME", str(config.var_dir() / f"test-{os.getpid()}.sqlite3")
        )
    }
elif config.env("CALSYNC_TEST_DATABASE_NAME"):
    # the database the test runner creates and drops: unique per run, so runs never collide
    DATABASES["default"]["TEST"] = {"NAME": config.env("CALSYNC_TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins (the login form and POST /api/token) are counted by django-axes in the
# database, so every process shares the count: after CALSYNC_LOGIN_FAILURE_LIMIT failures for
# one email from one address, that pair is refused (429) for CALSYNC_LOGIN_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "calsync.accounts.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(config.env("CALSYNC_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(config.env("CALSYNC_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field, and authenticate()'s keyword
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no database write for a successful sign-in
AXES_CLIENT_IP_CALLABLE = "calsync.accounts.throttle.client_address"
AXES_USERNAME_CALLABLE = "calsync.accounts.throttle.client_username"
AXES_LOCKOUT_CALLABLE = "calsync.accounts.throttle.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# The header's language menu (/i18n/setlang/) remembers the choice for a year; without it,
# LocaleMiddleware follows the browser's Accept-Language.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
MACHINE_TIME_ZONE = config.machine_time_zone()
"""The machine's zone, read before Django sets the process's TZ to TIME_ZONE: the demo
writes its week in it and gives it to its mailboxes."""
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = config.var_dir() / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "outlook" / "web" / "static"]  # the Outlook web room's
if NODE_MODULES.is_dir():
    STATICFILES_DIRS.append(("vendor", NODE_MODULES))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Cookies are HttpOnly (scripts read the CSRF token from the page's csrf-token meta tag);
# an https Base URL also makes them Secure and turns HSTS on (core.deployment.apply_https).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
CALSYNC_HSTS_SECONDS = int(config.env("CALSYNC_HSTS_SECONDS", str(365 * 24 * 3600)))
CALSYNC_HSTS_PRELOAD = config.env_flag("CALSYNC_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload (security.W021) commits the whole domain and its subdomains to HTTPS in
    # browsers for good: the domain's owner opts in with CALSYNC_HSTS_PRELOAD=1.
    "security.W021",
]

# Content-Security-Policy: scripts and styles come from this server's files only. The one
# nonce is for the stylesheet FullCalendar injects (it reads <meta name="csp-nonce">).
# form-action is left open on purpose: "Sync with Outlook" posts here, then is redirected to
# Microsoft's sign-in page, and browsers apply form-action to that redirect too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],  # FullCalendar's icon font is inline
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "calsync.accounts.authentication.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested deeper than calsync.calendars.parsers.MAX_JSON_DEPTH is a 400, not a 500
    "DEFAULT_PARSER_CLASSES": [
        "calsync.calendars.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "calsync API",
    "DESCRIPTION": "A team calendar with two-way Microsoft Outlook sync.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

CALSYNC_MS_AUTHORITY_HOST = config.env("CALSYNC_MS_AUTHORITY_HOST")
"""Another Microsoft sign-in service (empty: Microsoft's public cloud, or the demo's emulator)."""
CALSYNC_GRAPH_URL = config.env("CALSYNC_GRAPH_URL")
"""Another Graph root (empty: Microsoft's public cloud, or the demo's emulator)."""
CALSYNC_CA_BUNDLE = config.env("CALSYNC_CA_BUNDLE")

# Sync behaviour (README "Configuration"): each knob is an environment variable.
CALSYNC_SYNC_INTERVAL = float(config.env("CALSYNC_SYNC_INTERVAL", "300"))
"""Seconds between background syncs of every connected account."""
CALSYNC_SYNC_DEBOUNCE = float(config.env("CALSYNC_SYNC_DEBOUNCE", "5"))
"""Seconds after a local change before its account syncs (changes in between collapse)."""
CALSYNC_SYNC_CONFLICT = config.env("CALSYNC_SYNC_CONFLICT", "latest")
"""A field changed on both sides: ``latest`` change wins, or always ``local``/``remote``."""
CALSYNC_SYNC_MAX_DELETE_SHARE = float(config.env("CALSYNC_SYNC_MAX_DELETE_SHARE", "0.25"))
"""A run deleting more than this share of a calendar stops and asks for confirmation..."""
CALSYNC_SYNC_MAX_DELETE_FLOOR = int(config.env("CALSYNC_SYNC_MAX_DELETE_FLOOR", "10"))
"""...unless it deletes at most this many events."""
CALSYNC_SYNC_PUSH_PAST = config.env("CALSYNC_SYNC_PUSH_PAST") in {"1", "true", "yes"}
"""The first sync also pushes events that already ended (off by default)."""
CALSYNC_GRAPH_MAX_RETRY_AFTER = float(config.env("CALSYNC_GRAPH_MAX_RETRY_AFTER", "30"))
"""Longest ``Retry-After`` (seconds) a sync waits out; Outlook asking for longer ends the run
"throttled", and the account's next sync is scheduled at the time it gave."""
CALSYNC_REDIS_URL = config.env("CALSYNC_REDIS_URL")
"""Redis, when set: the mailboxes' shared request budget lives there (else in the database),
and Celery's broker."""
CALSYNC_GRAPH_PAGE_SIZE = int(config.env("CALSYNC_GRAPH_PAGE_SIZE", "500"))
"""Events per delta page asked of Graph (``odata.maxpagesize``); a longer round is applied
page by page, so this bounds what a run holds."""
CALSYNC_SYNC_LEASE = float(config.env("CALSYNC_SYNC_LEASE", "30"))
"""Seconds an account's claim (one run at a time) lasts unless its run renews it; a run
renews it every third of that, so a crashed run frees the account this long after."""
CALSYNC_GRAPH_SLOT_LEASE = float(config.env("CALSYNC_GRAPH_SLOT_LEASE", "25"))
"""Seconds a request's place among a mailbox's requests in flight is held at most: a little
longer than a request's timeout (20 s), so a process killed mid-request frees them soon after."""
CALSYNC_NOTIFICATIONS = config.env("CALSYNC_NOTIFICATIONS", "1") in {"1", "true", "yes"}
"""Subscribe to Graph change notifications (needs an https Base URL, or http on loopback)."""
CALSYNC_NOTIFICATION_DEBOUNCE = float(config.env("CALSYNC_NOTIFICATION_DEBOUNCE", "2"))
"""Seconds between a change notification and the sync it asks for (a burst is one sync)."""
CALSYNC_NOTIFICATION_RATE = int(config.env("CALSYNC_NOTIFICATION_RATE", "600"))
"""POSTs a minute one source address may send to ``/outlook/notifications`` (then 429)."""
CALSYNC_REQUESTS_AT_ONCE = int(config.env("CALSYNC_REQUESTS_AT_ONCE", "2"))
"""Requests of one person (user, else address) that run at a time (calsync.core.fair_share)."""
CALSYNC_REQUESTS_WAITING = int(config.env("CALSYNC_REQUESTS_WAITING", "6"))
"""Requests of one person that may wait for their turn; more are a 429 at once."""
CALSYNC_CELERY = config.env("CALSYNC_CELERY") in {"1", "true", "yes"}
"""Hand background syncs to Celery workers (Redis) instead of the in-process scheduler."""

# One handler, on the root logger, in one format: every library's records (Django, waitress,
# the emulator, Celery) reach it once. A handler on "calsync" as well printed each line twice
# as soon as anything (waitress's serve() calls logging.basicConfig()) gave the root one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "calsync": {"level": config.env("CALSYNC_LOG_LEVEL", "INFO")},
        # Django's defaults give "django" a handler of its own (DEBUG only): records go to root
        "django": {"handlers": [], "level": "INFO"},
    },
}
