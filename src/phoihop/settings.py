"""Django settings for phoihop.

One file. Every difference between demo, test and production is read from the environment
(see .env.example); nothing exists only in production.

Modes:
- demo (PHOIHOP_DEMO=true, set by `phoihop demo`): SQLite in the data folder, a secret key
  generated once into that folder, plain HTTP, demo passwords allowed.
- test (pytest sets PYTEST_VERSION): fast password hashing, no HTTPS redirects.
- production (everything else unless DEBUG=true): HTTPS, secure cookies, and a real
  SECRET_KEY is required — `phoihop.checks` refuses to start without one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from phoihop.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent

DEMO = env_bool("PHOIHOP_DEMO")
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = env_bool("DEBUG")
PRODUCTION = not (DEMO or TESTING or DEBUG)

DATA_DIR = Path(env_str("PHOIHOP_DATA_DIR", "data")).resolve()

# Placeholder shipped in .env.example; production refuses it (phoihop.checks).
DEFAULT_SECRET_KEY = "change-me"


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        return key
    if DEMO:
        # Keep sessions valid across demo restarts without asking the user for a key.
        path = DATA_DIR / "secret_key"
        if not path.exists():
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
    # Tests and DEBUG get a throwaway key; production is stopped by phoihop.checks.
    return ""


SECRET_KEY = _secret_key() or secrets.token_urlsafe(50)
SECRET_KEY_FROM_ENV = bool(env_secret("SECRET_KEY"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not PRODUCTION else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "phoihop.core",
    "phoihop.orgs",
    "phoihop.calendar",
    "phoihop.documents",
    "phoihop.notify",
    "phoihop.agreements",
    "phoihop.reporting",
    "phoihop.tasks",
    "phoihop.meetings",
    "phoihop.criticism",
    "phoihop.oversight",
    "phoihop.insights",
    "phoihop.api",
    "phoihop.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "treebeard",
    "ninja",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "phoihop.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phoihop.core.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "phoihop.orgs.middleware.RequireAdminTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must come last: it turns a locked-out login into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "phoihop.urls"
WSGI_APPLICATION = "phoihop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "phoihop.core.context_processors.navigation",
            ],
        },
    }
]

# Databases -----------------------------------------------------------------------------------

_SQLITE_OPTIONS = {
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked".
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "phoihop.sqlite3",
            "OPTIONS": dict(_SQLITE_OPTIONS),
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {k: v for k, v in _SQLITE_OPTIONS.items() if k not in DATABASES["default"].get("OPTIONS", {})}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (DESIGN §5): django-tasks with its database queue, worked by `phoihop db_worker`
# (long DHIS2 imports from the web). Tests run each job at once, inside the test.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {
    "default": {
        "BACKEND": env_str(
            "PHOIHOP_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend" if TESTING else "django_tasks_db.DatabaseBackend",
        )
    }
}

# People and access ------------------------------------------------------------------------------

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "phoihop.orgs.backends.UsernameOrEmailBackend",
]
LOGIN_URL = "orgs:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "orgs:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AXES_FAILURE_LIMIT = env_int("PHOIHOP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("PHOIHOP_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
# Lock the pair (account, address), not either alone: a commune office shares one public
# address behind its router, so locking by address would shut out every colleague, and locking
# by account alone would let anyone lock a chairman out by typing wrong passwords on purpose.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind the reverse proxy every request comes from the proxy's address; read the client's.
AXES_CLIENT_IP_CALLABLE = "phoihop.core.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "orgs/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = "phoihop"
# System admins must pass a TOTP check (issue 2); the switch exists so an air-gapped test
# installation can be set up first, and `phoihop check --deploy` warns when it is off.
PHOIHOP_REQUIRE_ADMIN_2FA = env_bool("PHOIHOP_REQUIRE_ADMIN_2FA", True)

# API tokens expire after this many days unless renewed (0 = never).
PHOIHOP_API_TOKEN_DAYS = env_int("PHOIHOP_API_TOKEN_DAYS", 90)

# An open duty due within this many working days shows as "due soon" (agreements).
PHOIHOP_DUE_SOON_DAYS = env_int("PHOIHOP_DUE_SOON_DAYS", 7)

# oversight (social supervision) — DOMAIN.md §4, figures marked unconfirmed (U): settings, not constants.
# The plan and decision reach the supervised agency at least this many calendar days before the start.
PHOIHOP_SUPERVISION_NOTICE_DAYS = env_int("PHOIHOP_SUPERVISION_NOTICE_DAYS", 15)
# An agency answers a post-supervision recommendation within this many calendar days (NQLT 403/2017, U).
PHOIHOP_RECOMMENDATION_ANSWER_DAYS = env_int("PHOIHOP_RECOMMENDATION_ANSWER_DAYS", 15)
# The same for recommendations of a commune-level Front (defaults to the figure above).
PHOIHOP_RECOMMENDATION_ANSWER_DAYS_COMMUNE = env_int(
    "PHOIHOP_RECOMMENDATION_ANSWER_DAYS_COMMUNE", PHOIHOP_RECOMMENDATION_ANSWER_DAYS
)
# Unanswered this many calendar days past its deadline, a recommendation goes to the Front above (handbook, U).
PHOIHOP_RECOMMENDATION_ESCALATE_DAYS = env_int("PHOIHOP_RECOMMENDATION_ESCALATE_DAYS", 20)

# criticism (social criticism of drafts) — DOMAIN.md §4, unconfirmed (U): a setting, not a constant.
# The drafting agency records a disposition for every opinion within this many calendar days of
# the critique document's issue.
PHOIHOP_CRITIQUE_ANSWER_DAYS = env_int("PHOIHOP_CRITIQUE_ANSWER_DAYS", 15)

# insights (dashboard and scorecards) — issue 7; the weights are a policy choice, not a law.
# A unit's score weighs its on-time components "key=weight,…" (keys: obligations, tasks, reports,
# recommendations, critiques); equal by default; a component with nothing due is left out.
PHOIHOP_SCORE_WEIGHTS = env_str(
    "PHOIHOP_SCORE_WEIGHTS", "obligations=1,tasks=1,reports=1,recommendations=1,critiques=1"
)
# The dashboard's trend shows this many periods of the chosen kind, the chosen one last.
PHOIHOP_INSIGHTS_TREND_PERIODS = env_int("PHOIHOP_INSIGHTS_TREND_PERIODS", 4)

# notify: reminders, escalation and e-mail (issue 5) ----------------------------------------------
# Remind the people who owe an item this many working days before its due date (the tightest
# threshold reached is the one sent); overdue the day after; escalate to the unit's leaders
# after PHOIHOP_ESCALATE_AFTER_DAYS working days overdue and to the level above after twice
# that. Basis: practice of the coordination regulations (issue 5), not a statute: configurable.
PHOIHOP_REMINDER_DAYS = sorted({int(d) for d in env_list("PHOIHOP_REMINDER_DAYS", "7,3,1")}, reverse=True)
PHOIHOP_ESCALATE_AFTER_DAYS = env_int("PHOIHOP_ESCALATE_AFTER_DAYS", 5)
# Items overdue for longer than this many calendar days get no new reminder (they are on the
# dashboards' overdue lists); it keeps a first run, or a new module, from flooding the inboxes.
PHOIHOP_REMINDER_LOOKBACK_DAYS = env_int("PHOIHOP_REMINDER_LOOKBACK_DAYS", 30)
# The daily digest goes out at the first run-schedules at or after this hour (Asia/Ho_Chi_Minh).
PHOIHOP_DIGEST_HOUR = env_int("PHOIHOP_DIGEST_HOUR", 7)
# Links in e-mails are absolute: the address people open phoihop at.
PHOIHOP_BASE_URL = env_str("PHOIHOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Internationalisation ----------------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"

# Static and uploaded files -------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # the project's own stylesheet (phoihop/app.css)
# Outside production nothing is collected (WHITENOISE_USE_FINDERS below), so no folder is needed.
STATIC_ROOT = Path(env_str("PHOIHOP_STATIC_DIR", str(DATA_DIR / "static"))) if PRODUCTION else None
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("PHOIHOP_MEDIA_DIR", str(DATA_DIR / "files")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve straight from the apps' static folders: no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail ----------------------------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "phoihop <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env_str("EMAIL_BACKEND"):
    EMAIL_BACKEND = env_str("EMAIL_BACKEND")
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEMO:
    # The demo has no mail server: messages land as files the user can open.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Security -------------------------------------------------------------------------------------------

_https = env_bool("PHOIHOP_HTTPS", PRODUCTION)
SECURE_SSL_REDIRECT = _https
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
# Only permits submission to the browsers' preload list (the domain owner does that by hand);
# the header requires the year-long, subdomain-wide policy above, which production already has.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _https and SECURE_HSTS_INCLUDE_SUBDOMAINS)
# Production runs gunicorn behind a reverse proxy (nginx) that sets X-Forwarded-Proto and
# appends the client's address to X-Forwarded-For; PHOIHOP_PROXY_COUNT says how many proxies
# in a row did so (core.middleware.client_ip reads the address the outermost one saw).
PHOIHOP_BEHIND_PROXY = env_bool("PHOIHOP_BEHIND_PROXY", _https)
PHOIHOP_PROXY_COUNT = env_int("PHOIHOP_PROXY_COUNT", 1)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PHOIHOP_BEHIND_PROXY else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_AGE = env_int("PHOIHOP_SESSION_HOURS", 12) * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logging: one JSON line per request in production, plain text elsewhere.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "phoihop.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if PRODUCTION else "plain"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # axes logs every login at INFO; the audit trail already records them, with the person.
        "axes": {"level": "WARNING"},
        "phoihop.request": {"level": "INFO" if not TESTING else "WARNING", "propagate": True},
    },
}
