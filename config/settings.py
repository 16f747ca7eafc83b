"""Wenming settings: one file, every deployment choice read from the environment.

The defaults give the embedded demo (SQLite in var/, Celery eager, no HTTPS).
Production sets at least SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL,
CACHE_URL and WENMING_HTTPS=1; see docs/deploy.md for the full table.
"""

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WENMING_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Addresses of reverse proxies (nginx) whose X-Real-IP header gives the client's address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

INSTALLED_APPS = [
    "wenming.core.apps.WenmingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "wenming.core.apps.CoreConfig",
    "wenming.org",
    "wenming.accounts",
    "wenming.standards",
    "wenming.scoring",
    "wenming.feedback",
    "wenming.inspections",
    "wenming.rectification",
    "wenming.supervision",
    "wenming.notifications",
    "wenming.questionnaires",
    "wenming.complaints",
    "wenming.followups",
    "wenming.alerts",
    "wenming.comments",
    "wenming.satisfaction",
    "wenming.evaluations",
    "wenming.rounds",
    "wenming.commitments",
]

MIDDLEWARE = [
    "wenming.core.middleware.RealClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wenming.core.middleware.HospitalTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wenming.core.context_processors.shell",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'wenming.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DATABASES["default"]["NAME"] == ":memory:" else 60
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file so that a real Celery worker process can share the database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login lockout, rate limits). Production: CACHE_URL=redis://… ----------------
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "wenming.core.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and sessions -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# A session ends after SESSION_IDLE_MINUTES without a request (default 2 hours),
# and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "120")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Lockout: LOGIN_FAILURE_LIMIT wrong passwords for one account lock it for
# LOGIN_LOCKOUT_MINUTES. Keyed by username, not address: a hospital's staff share a few NAT addresses.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
# axes.W006 warns that username-only lockout can be dodged by rotating client details; locking by
# address instead would lock out a whole hospital behind one NAT address, so username it is.
# security.W021 asks for HSTS preload; a hospital intranet host name cannot be on the browsers'
# preload list, so preload stays opt-in (SECURE_HSTS_PRELOAD=1) and the warning is silenced.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]

# --- HTTPS (production behind nginx) -----------------------------------------------------
WENMING_HTTPS = env_bool("WENMING_HTTPS", False)
if WENMING_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")

# --- Static and media files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "assets"]
with contextlib.suppress(OSError):  # a read-only deployment path; collectstatic will say so
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files that only a view may hand out after checking access (import files, evidence, photos).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
# In the embedded set-up Django serves uploads itself; in production nginx serves MEDIA_ROOT.
SERVE_MEDIA = env_bool("SERVE_MEDIA", not WENMING_HTTPS)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Largest organisation file accepted by the import page.
ORG_IMPORT_MAX_BYTES = int(os.environ.get("ORG_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

# --- Celery ----------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One beat process per deployment (docs/deploy.md); times are the hospital's (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE: dict = {
    "rectification-deadlines": {
        "task": "rectification.deadlines_follow_up",
        "schedule": crontab(hour=7, minute=30),
    },
    "complaints-deadlines": {
        "task": "complaints.deadlines_follow_up",
        "schedule": crontab(hour=7, minute=35),
    },
    "alerts-weekly-check": {
        "task": "alerts.weekly_check",
        "schedule": crontab(hour=7, minute=40, day_of_week=1),
    },
    # Closes evaluation rounds past their closing time and reminds raters with pending ballots.
    "rounds-daily": {
        "task": "rounds.daily",
        "schedule": crontab(hour=7, minute=45),
    },
}

# --- Inspections ------------------------------------------------------------------------
# Working days (Monday to Friday) after a round in which its department may appeal a finding.
WENMING_APPEAL_WORKING_DAYS = int(os.environ.get("WENMING_APPEAL_WORKING_DAYS", "3"))

# --- Patient feedback ----------------------------------------------------------------
# Submissions a minute the public rating page accepts per QR code and per client (address and
# browser) before it answers "please wait" (429). Hospital Wi-Fi puts many patients behind one address.
WENMING_FEEDBACK_CODE_PER_MINUTE = int(os.environ.get("WENMING_FEEDBACK_CODE_PER_MINUTE", "60"))
WENMING_FEEDBACK_CLIENT_PER_MINUTE = int(os.environ.get("WENMING_FEEDBACK_CLIENT_PER_MINUTE", "10"))
# Seconds a kiosk shows its thank-you page before the form comes back for the next patient.
WENMING_KIOSK_RESET_SECONDS = int(os.environ.get("WENMING_KIOSK_RESET_SECONDS", "5"))

# --- Complaints, praise and petitions --------------------------------------------------
# Working days (Monday to Friday) a new case has before it is due (the default: 5).
WENMING_COMPLAINT_WORKING_DAYS = int(os.environ.get("WENMING_COMPLAINT_WORKING_DAYS", "5"))

# --- People: 医德考评, multi-source evaluation rounds -------------------------------------
# Key that seals each ballot's score for the audited system-administrator export (Fernet, 32
# url-safe base64 bytes). Empty: derived from SECRET_KEY. Changing it makes older seals unreadable.
WENMING_BALLOT_KEY = os.environ.get("WENMING_BALLOT_KEY", "")
# A rater group's result is shown only with at least this many raters (a round may ask for more).
WENMING_ROUND_MIN_RATERS = int(os.environ.get("WENMING_ROUND_MIN_RATERS", "3"))
# Years of a 医师定期考核 cycle: two 较差 within one cycle fail it.
WENMING_PHYSICIAN_REVIEW_YEARS = int(os.environ.get("WENMING_PHYSICIAN_REVIEW_YEARS", "3"))

# --- Email (reminders, notifications) -------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wenming@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# In-product notifications are always on; copies by e-mail only when the hospital turns this on.
WENMING_NOTIFY_EMAIL = env_bool("WENMING_NOTIFY_EMAIL", False)
# The address people reach Wenming at, for links in e-mails.
WENMING_BASE_URL = os.environ.get("WENMING_BASE_URL", "http://127.0.0.1:8000")

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Without a broker tasks run inside the request (or load_demo): no "Task … succeeded" line each.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# Names shown where no hospital has been set up yet.
WENMING_PRODUCT_NAME = _("Wenming")
