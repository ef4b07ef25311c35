"""One settings module, driven by environment variables with defaults that make a local run work.

Locally nothing needs to be set: SQLite under var/, console e-mail, and a Celery broker that needs
no server (kombu's filesystem transport under var/). Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and DEBUG=false; it refuses to start with a development secret key.
"""

import datetime
from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

# Every variable may also come from a file named by <NAME>_FILE (docker secrets): SECRET_KEY_FILE,
# DATABASE_URL_FILE, EMAIL_URL_FILE... so secrets need not sit in the environment or in .env.
env = environ.FileAwareEnv()

DEV_SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - refused when DEBUG is off

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key or too short: set a real SECRET_KEY."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "risks",
    "accounts",
    "org",
    "duties",
    "campaigns",
    "notifications",
    "quarters",
]

MIDDLEWARE = [
    # The client's address from the trusted reverse proxy (TRUSTED_PROXIES), before anything
    # reads REMOTE_ADDR: the audit log and the per-IP lockout.
    "accounts.middleware.RealIPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "risks.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "risks.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every page needs a login, except those marked with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # 12-hour absolute session limit, two-factor verification, forced password change.
    "accounts.middleware.SecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yuci_security.urls"

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
                "risks.context_processors.navigation",
                "org.context_processors.permissions",
                "notifications.context_processors.unread",
                "quarters.context_processors.navigation",
            ],
        },
    },
]

# Django's templates, with <select> written in Python (risks.renderers: the ledger's filters).
FORM_RENDERER = "risks.renderers.FastSelectRenderer"

WSGI_APPLICATION = "yuci_security.wsgi.application"

# SQLite under var/ unless DATABASE_URL says otherwise (postgres://user@host:5432/name in CI and
# production). Tests get their own database (test_<name>) from pytest-django.
VAR_DIR.mkdir(parents=True, exist_ok=True)
# An empty DATABASE_URL (as .env.example leaves it when DATABASE_URL_FILE is used) means unset.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (web + worker) wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords (DESIGN.md "Security decisions"): at least 12 characters, three of four character
# classes, not a common password, not one of the last 5, expiring after PASSWORD_EXPIRY_DAYS.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Also records each new password's hash (its password_changed hook runs on every save).
    {"NAME": "accounts.validators.PasswordHistoryValidator", "OPTIONS": {"remember": 5}},
]
PASSWORD_EXPIRY_DAYS = env.int("PASSWORD_EXPIRY_DAYS", default=90)  # 0: passwords never expire

# Lockout (django-axes): 5 failures lock for 10 minutes, per user name and, separately, per IP
# address. Every attempt is kept: AccessAttempt/AccessFailureLog for failures, AccessLog for logins.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "risks.backends.ProfileModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_CLIENT_IP_CALLABLE = "accounts.middleware.client_ip"
AXES_VERBOSE = False
# Addresses (or networks) of the reverse proxy whose X-Real-IP header is believed; none locally.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Two-factor (TOTP, django-otp) for these roles; "*" means everyone, empty means nobody.
TWO_FACTOR_REQUIRED_ROLES = env.list(
    "TWO_FACTOR_REQUIRED_ROLES", default=["admin", "security_admin", "auditor", "district_leader"]
)
OTP_TOTP_ISSUER = "榆次区安全风险台账"
BACKUP_CODE_COUNT = 10

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "risks:my_work"
LOGOUT_REDIRECT_URL = "login"

# Sessions: 30 minutes idle (the expiry is pushed forward on every request), 12 hours at most
# from login (accounts.middleware), a new session id at login, ended at logout.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Headers. TLS ends at nginx (deploy/nginx.conf), which sets X-Forwarded-Proto.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container health check speaks plain HTTP to gunicorn directly.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# An intranet host name cannot be on the browsers' public preload list, so do not ask for it.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content Security Policy (django-csp 4): nothing inline, nothing from another origin. Charts
# draw on canvas; the two-factor QR code is inline SVG markup (not a script or a style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# django-filter's empty choice: "全部" (any) rather than "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("全部")
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Attachments live outside static/ and outside any web root; they are served only by a view
# that checks that the person may see the risk (risks.views.attachment_download).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = None
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: console locally; SMTP when EMAIL_URL says so (smtp://user:pass@host:587/?tls=True).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="榆次区安全风险台账 <noreply@localhost>")

# Celery: Redis when REDIS_URL is set; otherwise a broker that needs no server, so `make run`
# works with nothing else installed. Saving a risk never waits on the broker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent: a task lost with its worker runs again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every entry has `expires`: a message the workers could not take in time (broker or workers
# down) is dropped rather than run late in a pile; the next run catches up from the database.
# The sweep runs hourly in the working day: it is idempotent, so the extra runs only catch up
# what a missed run (or a risk changed since) left due; deliveries and retries every 5 minutes.
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "notifications.send_reminders",
        "schedule": crontab(minute=5, hour="7-22"),
        "options": {"expires": 50 * 60},
    },
    "deliver-notifications": {
        "task": "notifications.deliver",
        "schedule": 5 * 60,
        "options": {"expires": 4 * 60},
    },
    # Freeze the quarter that just ended, and any past quarter of the dashboard's trend never
    # frozen (history imported at go-live): daily, a query or two when everything is frozen, so a
    # missed run catches up the next day.
    "snapshot-quarter": {
        "task": "quarters.tasks.snapshot_previous_quarter",
        "schedule": crontab(minute=30, hour=0),
        "options": {"expires": 6 * 60 * 60},
    },
}

# Links in e-mails and robot messages point here (scheme and host as users reach the site).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-hover table-sm align-middle"}

# Ledger imports (risks.ledger_io): limits, and above which size a file is checked and imported
# by Celery with a progress bar rather than within the request.
LEDGER_IMPORT_MAX_BYTES = env.int("LEDGER_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
LEDGER_IMPORT_MAX_ROWS = env.int("LEDGER_IMPORT_MAX_ROWS", default=20000)
LEDGER_IMPORT_SYNC_MAX_BYTES = env.int("LEDGER_IMPORT_SYNC_MAX_BYTES", default=256 * 1024)

# Ledger codes look like YC-2026-00042.
LEDGER_CODE_PREFIX = env.str("LEDGER_CODE_PREFIX", default="YC")

# Errors (500s, failed tasks) are e-mailed to ADMINS ("Name <address>, other@example.gov.cn")
# when DEBUG is off; SERVER_EMAIL is their sender.
ADMINS = [parseaddr(address) for address in env.list("ADMINS", default=[])]
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Logs: one JSON object per line on stdout (time, level, logger, message, and the request's
# method, path, status and user where there is one), for the container runtime to collect.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"json": {"()": "yuci_security.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        "celery": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
    },
}
