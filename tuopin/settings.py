"""Settings for tuopin, read from environment variables through strict helpers (lib.env)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from tuopin.lib import clock
from tuopin.lib.env import (
    SettingError,
    env_bool,
    env_datetime,
    env_int,
    env_list,
    env_networks,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TUOPIN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("TUOPIN_DEBUG", default=False)
SECRET_KEY = env_str("TUOPIN_SECRET_KEY", "")
# Without a key of its own the site signs sessions with a key published in the source: fine on
# one's own machine, never on a network (`tuopin serve` refuses, the WSGI app warns at start).
SECRET_KEY_IS_DEMO = not SECRET_KEY
if SECRET_KEY_IS_DEMO:
    if not DEBUG and env_bool("TUOPIN_PRODUCTION", default=False):
        raise SettingError("环境变量 TUOPIN_SECRET_KEY 未设置：生产环境必须提供随机密钥")
    SECRET_KEY = "tuopin-demo-insecure-key-change-me-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("TUOPIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TUOPIN_CSRF_TRUSTED_ORIGINS", [])

# Serving over HTTPS (behind the intranet's reverse proxy) turns on the secure-cookie defaults.
HTTPS = env_bool("TUOPIN_HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("TUOPIN_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("TUOPIN_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("TUOPIN_SESSION_SECONDS", 12 * 3600, minimum=60)
# A device set up for field work (its user downloaded the offline bundle) stays signed in a week.
OFFLINE_SESSION_SECONDS = env_int("TUOPIN_OFFLINE_SESSION_SECONDS", 7 * 86400, minimum=60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Lets /api/docs serve the Swagger UI files django-ninja ships instead of a CDN's.
    "ninja",
    "tuopin.org",
    "tuopin.plan",
    "tuopin.ledger",
    "tuopin.registry",
    "tuopin.cases",
    "tuopin.projects",
    "tuopin.villages",
    "tuopin.water",
    "tuopin.jobs",
    "tuopin.reports",
    "tuopin.assess",
    "tuopin.command",
    "tuopin.bulletin",
    "tuopin.dashboard",
    "tuopin.offline",
    "tuopin.households",
    "tuopin.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees a view's exception first: a value no check caught answers 400.
    "tuopin.org.bad_input.BadInputMiddleware",
    # Clear-Site-Data on logout; queued forms only to views that accept them exactly once.
    "tuopin.offline.device.OfflineMiddleware",
]

ROOT_URLCONF = "tuopin.urls"
WSGI_APPLICATION = "tuopin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tuopin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tuopin.org.context.navigation",
                "tuopin.reports.context.notifications",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("TUOPIN_DB_CONN_MAX_AGE", 60))
    except ValueError as error:
        raise SettingError(f"环境变量 DATABASE_URL 无法解析：{error}") from None
    if not config.get("ENGINE"):
        raise SettingError(f"环境变量 DATABASE_URL 的数据库类型不受支持：{url.split(':', 1)[0]}")
    if config["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise SettingError("环境变量 DATABASE_URL 只支持 postgres:// 与 sqlite:// 两种数据库")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["ENGINE"] = SQLITE_ENGINE
        config["OPTIONS"] = _SQLITE_OPTIONS
        config["CONN_MAX_AGE"] = 0
        config["TEST"] = _SQLITE_TEST
    return config


# Django's SQLite backend with the writers of one process queued in turn (tuopin/lib/sqlite).
SQLITE_ENGINE = "tuopin.lib.sqlite"

# WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades failing.
_SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

# Tests use a file (not the in-memory default) so that threads share it as the server would.
_SQLITE_TEST = {"NAME": str(VAR_DIR / f"test-tuopin-{os.getpid()}.sqlite3")}

_database_url = env_str("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": _database_from_url(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": SQLITE_ENGINE,
            "NAME": VAR_DIR / "tuopin.sqlite3",
            "OPTIONS": _SQLITE_OPTIONS,
            "TEST": _SQLITE_TEST,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins allowed per account, and per client address (over all accounts), within the
# window before a lock-out (org.throttle). An office behind one NAT shares an address, so the
# address limit is much higher: a few mistyped or made-up names must not lock everyone out.
LOGIN_FAILURE_LIMIT = env_int("TUOPIN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("TUOPIN_LOGIN_ADDRESS_FAILURE_LIMIT", 50, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("TUOPIN_LOGIN_FAILURE_WINDOW", 900, minimum=1)


# Behind a reverse proxy the client's address is read from this header (e.g. X-Forwarded-For),
# and only when the request comes from one of the trusted proxies; unset, REMOTE_ADDR is used.
_proxy_header = env_str("TUOPIN_TRUSTED_PROXY_HEADER", "").strip()
TRUSTED_PROXY_HEADER = "HTTP_" + _proxy_header.upper().replace("-", "_") if _proxy_header else None
TRUSTED_PROXIES = env_networks("TUOPIN_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "tuopin" / "static"]
# WhiteNoise serves straight from the app folders; set TUOPIN_STATIC_ROOT to collect instead.
STATIC_ROOT = env_str("TUOPIN_STATIC_ROOT", "") or None
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "tuopin.offline.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: documents and workbooks; anything above 5 MB is streamed to a temporary file. The
# first handler counts each file's bytes while it streams in and drops it past its limit (the
# project's, or a lower one the view declares): see org/uploads.py.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
TUOPIN_UPLOAD_MAX_BYTES = env_int("TUOPIN_UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_HANDLERS = [
    "tuopin.org.uploads.SizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Public rate limits count in this cache (per process; login throttling counts in the database).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# E-mail for reminders (SMTP on the intranet).
EMAIL_HOST = env_str("TUOPIN_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("TUOPIN_SMTP_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("TUOPIN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("TUOPIN_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TUOPIN_SMTP_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("TUOPIN_MAIL_FROM", "tuopin@localhost")

# The SMS gateway for petitioners' verification codes: an HTTP endpoint on the intranet that
# takes {"phone", "text"} as JSON (the county's SMS platform or a 企业微信/钉钉 relay). Without one
# the public filing page cannot verify phones; TUOPIN_SMS_DEMO_ECHO (the demo only) shows the code
# on the page instead of sending it.
SMS_WEBHOOK_URL = env_str("TUOPIN_SMS_WEBHOOK_URL", "")
SMS_DEMO_ECHO = env_bool("TUOPIN_SMS_DEMO_ECHO", default=False)

# The one clock: TUOPIN_NOW freezes it (the demo lives inside the 2018 campaign).
TUOPIN_NOW = env_datetime("TUOPIN_NOW")
clock.configure(TUOPIN_NOW)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TUOPIN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
