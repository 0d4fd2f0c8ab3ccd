"""Django settings for Yangguang, read from environment variables (see `.env.example`)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import ConfigError, cache_config, dev_secrets, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("YANGGUANG_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("YANGGUANG_DEBUG", True)
# Development secrets are generated into var/ on first run so `make run` works with no configuration.
# Outside DEBUG every secret must come from the environment.
_dev = dev_secrets(VAR_DIR / "dev-secrets.json") if DEBUG else {}


def _secret(name: str, dev_key: str) -> str:
    if DEBUG:
        return env_str(name, _dev[dev_key])
    return env_str(name)


SECRET_KEY = _secret("YANGGUANG_SECRET_KEY", "secret_key")
# Previous secret keys, comma-separated: sessions and signed links made with them stay valid while the new
# key takes over (docs/security.md, "Rotating the secret key"). Remove them after SESSION_HOURS.
SECRET_KEY_FALLBACKS = env_list("YANGGUANG_SECRET_KEY_FALLBACKS", [])
# Field encryption keys: "id:base64key,id:base64key"; the first is used for new ciphertexts, the others only
# decrypt (key rotation). The blind-index key must never change once data exists.
_field_keys_raw = _secret("YANGGUANG_FIELD_KEYS", "field_key")
if ":" not in _field_keys_raw:
    _field_keys_raw = f"k1:{_field_keys_raw}"
FIELD_ENCRYPTION_KEYS: dict[str, str] = {}
for _item in _field_keys_raw.split(","):
    _kid, _sep, _key = _item.strip().partition(":")
    if not _kid or not _key:
        raise ConfigError("YANGGUANG_FIELD_KEYS must look like 'k1:<base64 key>,k0:<base64 key>'")
    FIELD_ENCRYPTION_KEYS[_kid] = _key
FIELD_ENCRYPTION_CURRENT = next(iter(FIELD_ENCRYPTION_KEYS))
BLIND_INDEX_KEY = _secret("YANGGUANG_INDEX_KEY", "index_key")

ALLOWED_HOSTS = env_list("YANGGUANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("YANGGUANG_CSRF_TRUSTED_ORIGINS", [])

# Demo mode relaxes the two-factor requirement for district and street roles and says so in a banner.
DEMO_MODE = env_bool("YANGGUANG_DEMO", DEBUG)
REQUIRE_2FA_FOR_PRIVILEGED = env_bool("YANGGUANG_REQUIRE_2FA", not DEMO_MODE)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "yangguang.core",
    "yangguang.backoffice",
    "yangguang.portal",
    "yangguang.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yangguang.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yangguang.core.middleware.RequestContextMiddleware",
    "yangguang.backoffice.middleware.TwoFactorMiddleware",
    # AxesMiddleware should be the last middleware.
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
                "yangguang.core.context_processors.platform",
            ],
        },
    },
]
# Django's form renderer, with the common widgets written in Python instead of one template per <option>
# (same markup; see yangguang/lib/formrender.py).
FORM_RENDERER = "yangguang.lib.formrender.FastRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yangguang.sqlite3'}"),
        conn_max_age=env_int("YANGGUANG_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the background worker use the database at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Client-side cursors only: every select box of a form (ModelChoiceField) otherwise opens a
    # server-side cursor (DECLARE, FETCH, CLOSE: three round trips for a list of twenty units), and a
    # connection pooler in transaction mode needs this anyway. The cost: `.iterator()` over a very large
    # export holds the query's raw rows in memory (about 0.5 kB a person) while it writes the file.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process memory by default; a shared cache (file:// or redis://, see config/env.py) also keeps the
# sessions in front of the database and makes cache-kept limits hold across processes.
CACHES, _SHARED_CACHE = cache_config(env_str("YANGGUANG_CACHE_URL", "locmem://"), VAR_DIR)
if _SHARED_CACHE:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:home"
LOGOUT_REDIRECT_URL = "backoffice:login"

AXES_FAILURE_LIMIT = env_int("YANGGUANG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("YANGGUANG_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "backoffice/locked_out.html"

OTP_TOTP_ISSUER = "阳光社区"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = "yangguang.formats"
TIME_ZONE = env_str("YANGGUANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "yangguang" / "static"]
# Serve straight from the app folders in development; production runs collectstatic into STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
# Outside DEBUG, collectstatic also writes each file under a name carrying its content hash
# (site.3f2a1c9b0d4e.css) with a gzipped copy, and {% static %} links the hashed name: nginx lets browsers keep
# those for a year, and an upgrade changes the names. The manifest exists only after collectstatic, so DEBUG
# (`make run`) keeps the plain storage that serves the sources; the tests set it too (tests/conftest.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Spreadsheet uploads larger than this are refused with a message instead of being read into memory.
IMPORT_MAX_UPLOAD_MB = env_int("YANGGUANG_IMPORT_MAX_UPLOAD_MB", 50)
# Error workbooks and stored uploads hold residents' ID numbers and phones: `manage.py purge_import_files`
# (also run by `sla_checks`) deletes them this many days after the import; the run keeps its counts.
IMPORT_FILES_DAYS = env_int("YANGGUANG_IMPORT_FILES_DAYS", 30)
if IMPORT_FILES_DAYS < 1:
    raise ConfigError("YANGGUANG_IMPORT_FILES_DAYS must be at least 1")
# A web import still queued or running this long after its upload is shown as failed: its worker died.
IMPORT_STALE_HOURS = env_int("YANGGUANG_IMPORT_STALE_HOURS", 2)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("YANGGUANG_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent by core.middleware.SecurityHeadersMiddleware on every response that sets none of its own
# (docs/security.md, "Security headers"); an empty string sends none. Every page loads only this site's
# own script (htmx), styles, images and fonts. Styles need 'unsafe-inline': templates use style=""
# attributes, error and print pages a <style> element, and htmx adds its indicator <style>. No page uses a
# data: or blob: image (QR codes are inline <svg> or this site's URLs), so img-src has neither.
# `frame-ancestors 'none'` says what X-Frame-Options: DENY says, for browsers that read only CSP.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SESSION_COOKIE_AGE = env_int("YANGGUANG_SESSION_HOURS", 12) * 3600

TASKS = {
    "default": {
        "BACKEND": env_str("YANGGUANG_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

PAGE_SIZE = env_int("YANGGUANG_PAGE_SIZE", 50)

# Case intake flood control on public channels (portal, QR posters, Open311).
CASE_LIMIT_PER_IP_HOUR = env_int("YANGGUANG_CASE_LIMIT_PER_IP_HOUR", 10)
CASE_LIMIT_PER_PHONE_DAY = env_int("YANGGUANG_CASE_LIMIT_PER_PHONE_DAY", 5)

# Notifications to residents: SMS through a pluggable backend class, email through Django's email backend.
SMS_BACKEND = env_str("YANGGUANG_SMS_BACKEND", "yangguang.core.actions.notify.ConsoleSmsBackend")
EMAIL_BACKEND = env_str("YANGGUANG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("YANGGUANG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("YANGGUANG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("YANGGUANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("YANGGUANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("YANGGUANG_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("YANGGUANG_EMAIL_FROM", "noreply@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YANGGUANG_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
