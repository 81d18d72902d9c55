"""One settings file, driven by the environment (see .env.example and docs/deploy.md)."""

import ipaddress
import os
import secrets
import sys
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False, env=os.environ) -> bool:
    return env.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# The demo (`make demo`): sample-user conveniences (one-tap logins on the sign-in page) and secrets generated
# into ignored files. Never on in production. It runs with DEBUG off: DEBUG logs every SQL statement (on
# SQLite with one more query each to quote its parameters) and shows tracebacks to anyone in the room.
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)


BUILD_COMMANDS = {"makemigrations", "compiletranslations", "makemessages", "collectstatic"}


def _server_secret(name: str, key_file: str) -> str:
    """The secret in env `name`; else a throwaway one (build commands, which sign nothing) or, under DEBUG,
    DEMO_MODE and pytest (which sets PYTEST_VERSION), one generated once into the ignored `key_file` so
    sessions and PINs survive restarts. Anywhere else a missing secret stops startup."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    build_command = len(sys.argv) > 1 and sys.argv[1] in BUILD_COMMANDS and sys.argv[0].endswith("manage.py")
    if build_command:
        return "build-time-only-" + secrets.token_urlsafe(32)
    if not (DEBUG or DEMO_MODE) and not os.environ.get("PYTEST_VERSION"):
        raise ImproperlyConfigured(
            f"{name} is not set. Set {name} in the environment (see docs/deploy.md), "
            "or run with DEBUG=1 for local development."
        )
    path = BASE_DIR / key_file
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _server_secret("SECRET_KEY", ".secret_key")
# The payment-PIN keys, never stored in the database, comma-separated: the first signs, the others still
# verify (rotation, docs/deploy.md).
PIN_KEYS = [k.strip() for k in _server_secret("PIN_KEYS", ".pin_key").split(",") if k.strip()]

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
if "*" in ALLOWED_HOSTS:
    # The websocket Origin check trusts ALLOWED_HOSTS; "*" would switch it off.
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must list host names; '*' would disable the websocket Origin check."
    )
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "apps.core",
    "apps.accounts",
    "apps.chat",
    "apps.wallet",
    "apps.microblog",
    "apps.bottles",
    "apps.nearby",
    "apps.checkin",
    "apps.workshop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "apps.core.timezones.viewer_time_zone",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "socialdemo.urls"
ASGI_APPLICATION = "socialdemo.asgi.application"

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
                "apps.core.context_processors.shell",
            ],
            "builtins": ["django.templatetags.i18n", "apps.core.templatetags.ui"],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
# Default: a SQLite file in WAL mode with IMMEDIATE transactions, so websocket threads and HTTP
# requests queue for the write lock (busy timeout) instead of failing with "database is locked".
# Django's SQLite backend with the process's write transactions taking turns on a lock (apps/core/sqlite3).
SQLITE_ENGINE = os.environ.get("SQLITE_ENGINE", "apps.core.sqlite3")
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
# PostgreSQL: connections come from a bounded pool per worker process (psycopg_pool), so a burst waits for
# a connection instead of failing with "too many clients". Keep workers × DB_POOL_MAX below the server's
# max_connections (docs/deploy.md, "Database connections"). The pool replaces persistent connections, so
# CONN_MAX_AGE must stay 0 with it; DB_POOL=0 turns the pool off (then CONN_MAX_AGE applies).
DB_POOL_DEFAULTS = {"DB_POOL_MIN": 2, "DB_POOL_MAX": 20, "DB_POOL_TIMEOUT": 30}
PREPARE_AFTER = 5  # psycopg's own default (Django's is never)


def database_config(url: str, env) -> dict:
    """DATABASES["default"] for a DATABASE_URL, with the pool and CONN_MAX_AGE made to agree."""
    config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    conn_max_age = env.get("CONN_MAX_AGE", "").strip()
    pooled = env_bool("DB_POOL", True, env)
    if config["ENGINE"].endswith("postgresql") and env_bool("DB_PREPARED_STATEMENTS", True, env):
        # A statement a connection has run PREPARE_AFTER times is prepared there: PostgreSQL plans it once,
        # not on every request (the chat list's two statements: 2.6 -> 1.3 ms of the server's CPU each time,
        # docs/performance.md). Needs server-side binding; off for a PgBouncer in transaction mode (< 1.21).
        config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=PREPARE_AFTER)
    if not config["ENGINE"].endswith("postgresql") or not pooled:
        config["CONN_MAX_AGE"] = int(conn_max_age or "60")
        if config["ENGINE"].endswith("sqlite3"):
            config["ENGINE"] = SQLITE_ENGINE
            config["OPTIONS"] = SQLITE_OPTIONS
        return config
    if conn_max_age and int(conn_max_age) != 0:
        raise ImproperlyConfigured(
            f"CONN_MAX_AGE={conn_max_age} asks for persistent connections, but PostgreSQL connections come "
            "from a pool (Django refuses both). Unset CONN_MAX_AGE (or set it to 0) to keep the pool, or set "
            "DB_POOL=0 to use persistent connections instead. See docs/deploy.md, 'Database connections'."
        )
    sizes = {}
    for name, default in DB_POOL_DEFAULTS.items():
        raw = env.get(name, "").strip() or str(default)
        try:
            sizes[name] = int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if not 0 <= sizes["DB_POOL_MIN"] <= sizes["DB_POOL_MAX"] or sizes["DB_POOL_MAX"] < 1:
        raise ImproperlyConfigured(
            f"DB_POOL_MIN ({sizes['DB_POOL_MIN']}) must be between 0 and DB_POOL_MAX ({sizes['DB_POOL_MAX']}), "
            "and DB_POOL_MAX at least 1."
        )
    if sizes["DB_POOL_TIMEOUT"] < 1:
        raise ImproperlyConfigured("DB_POOL_TIMEOUT is in seconds and must be at least 1.")
    config["CONN_MAX_AGE"] = 0
    # No test of a pooled connection each time a request takes it (what CONN_HEALTH_CHECKS asks of the pool): a
    # round trip on every request, paid most when the room is busiest (500 red-packet grabs at once: 2.7-3.6 s
    # with it, 1.5-3.0 s without). A connection the server dropped fails the one request that gets it, rolled
    # back whole, and the pool then discards it (docs/deploy.md, "Database connections").
    config["CONN_HEALTH_CHECKS"] = False
    config.setdefault("OPTIONS", {})["pool"] = {
        "min_size": sizes["DB_POOL_MIN"],
        "max_size": sizes["DB_POOL_MAX"],
        "timeout": sizes["DB_POOL_TIMEOUT"],
    }
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_config(DATABASE_URL, os.environ)}
else:
    DATABASES = {
        "default": {
            "ENGINE": SQLITE_ENGINE,
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            # HTTP lanes and websocket action threads live as long as the worker: keep their connections.
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "").strip() or "60"),
            "CONN_HEALTH_CHECKS": True,
        }
    }
if os.environ.get("TEST_DB_NAME"):
    # Parallel test runs against one PostgreSQL server each need their own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not :memory:) so the live ASGI server in browser tests shares the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME", str(BASE_DIR / ".test-db.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# ModelBackend with a cheaper read of the logged-in person (apps/accounts/backends.py).
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.UserBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "chat:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Argon2id first (new hashes, and older ones are re-hashed at the next login); PBKDF2 still verifies
# the hashes made before it.
PASSWORD_HASHERS = [
    "apps.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis: channel layer and the cache that rate limits count in ----------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Separates deployments (and parallel test runs) that share one Redis server.
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "socialdemo")
# The layer is only the fast path (the database is the truth), but a full queue drops messages
# silently, so capacity is sized for a 500-member group's bursts rather than left at 100.
CHANNEL_CAPACITY = int(os.environ.get("CHANNEL_CAPACITY", "2000"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "apps.core.layers.RedisPubSubChannelLayer",  # one PUBLISH per event
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.SharedPoolRedisCache",  # one pool per process (apps/core/cache.py)
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get("IN_MEMORY_LAYER", "apps.core.layers.InMemoryChannelLayer"),
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }
    # One process in the embedded setup, so process memory is shared by every request and socket.
    # It holds every session (cached_db), rate-limit window and socket mark: Django's default of 300 entries
    # made a room of 500 miss its sessions and read each from the database.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "socialdemo",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# HTTP requests a worker runs at once (apps.core.admission): more wait in line in the event loop. On SQLite one:
# it has one writer and no network wait to overlap, so a second lane only takes GIL turns from the event loop
# (`make bench ONLY=room`, 2 lanes -> 1: payments 73 -> 82/s, room p99 beside them 2.7-5.1x -> 1.6-2.3x, 500 grabs
# 2.3-2.9 -> 2.0-2.3 s); PostgreSQL's round trips are worth overlapping.
_ON_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
# Password hashes run on this many low-priority threads per process (apps/accounts/hashers.py).
PASSWORD_HASHING_AT_ONCE = int(os.environ.get("PASSWORD_HASHING_AT_ONCE", "").strip() or 1)
HTTP_REQUESTS_AT_ONCE = int(os.environ.get("HTTP_REQUESTS_AT_ONCE", "").strip() or (1 if _ON_SQLITE else 2))
# Websocket actions a worker runs at once (apps.core.consumers), each thread holding one database connection.
REALTIME_ACTION_THREADS = int(os.environ.get("REALTIME_ACTION_THREADS", "4"))
# A serving process's garbage collector (apps/core/collector.py): start-up's objects frozen out of collections, and
# the youngest generation collected every GC_GEN0_THRESHOLD allocations (Python's 700 gave a ~100 ms full
# collection every 4-5 s beside ten payers: the room's p99 2-4x -> 0.9-1.6x on SQLite, docs/performance.md).
GC_FREEZE_AT_START = os.environ.get("GC_FREEZE_AT_START", "1").strip() != "0"
GC_GEN0_THRESHOLD = int(os.environ.get("GC_GEN0_THRESHOLD", "").strip() or 10_000)

# --- Sessions and security -------------------------------------------------------------------------
# Sessions are read from the cache (Redis when REDIS_URL is set) and written through to the database:
# every logged-in request reads its session, and the cache spares that query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy: no inline scripts or styles anywhere (see apps/core/middleware.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Rate limits (per person or per address; counted in the shared cache) --------------------------
# Failed logins within LOGIN_FAILURE_WINDOW seconds that lock further tries for the rest of it: for one
# account from one address; from one address across accounts (higher: a room shares one Wi-Fi address);
# for one account from anywhere (far higher: a stranger can't lock the owner out, yet distributed
# guessing still stops).
LOGIN_FAILURE_WINDOW = 15 * 60
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "30"))
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", "50"))
# Proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client; empty: none.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc
SIGNUP_LIMIT_PER_ADDRESS = (10, 60 * 60)
FRIEND_REQUEST_LIMIT = (20, 60 * 60)
SEARCH_LIMIT = (30, 60)
FRIEND_CAP = int(os.environ.get("FRIEND_CAP", "5000"))
# Workshop joins (apps.workshop.joining) per address: a room on one Wi-Fi may reach the app from one address.
WORKSHOP_JOIN_LIMIT_PER_ADDRESS = (int(os.environ.get("WORKSHOP_JOIN_LIMIT_PER_ADDRESS", "400")), 60 * 60)
# Drift bottles (apps.bottles.rules): a day's throws and picks per person (the app's day, clock.today), the share of
# casts that bring up a starfish, and words a bottle may not carry (matched ignoring case, width and spaces).
BOTTLE_THROWS_PER_DAY = int(os.environ.get("BOTTLE_THROWS_PER_DAY", "20"))
BOTTLE_PICKS_PER_DAY = int(os.environ.get("BOTTLE_PICKS_PER_DAY", "20"))
BOTTLE_STARFISH_RATE = float(os.environ.get("BOTTLE_STARFISH_RATE", "0.25"))
BOTTLE_NEW_ACCOUNT_THROWS_PER_DAY = 5  # in an account's first day
BOTTLE_BLOCKED_WORDS = [
    "加微信",
    "加我微信",
    "约炮",
    "援交",
    "裸聊",
    "escort",
    "hookup",
    "sugar daddy",
    "onlyfans",
]

# People Nearby (apps.nearby.services): position changes and list loads a person may make in an hour (budgets
# against anyone probing others' positions by moving their own).
NEARBY_MOVES_PER_HOUR = int(os.environ.get("NEARBY_MOVES_PER_HOUR", "10"))
NEARBY_LOOKS_PER_HOUR = int(os.environ.get("NEARBY_LOOKS_PER_HOUR", "120"))
# The fastest a claimed position may move, and the moves a day allowed to be faster (flights, demo cities).
NEARBY_MAX_KMH = int(os.environ.get("NEARBY_MAX_KMH", "300"))
NEARBY_JUMPS_PER_DAY = int(os.environ.get("NEARBY_JUMPS_PER_DAY", "6"))
# Shake (apps.nearby.shake): how long a shake stays open for a partner, and shakes a person may make in an hour.
SHAKE_WINDOW_SECONDS = float(os.environ.get("SHAKE_WINDOW_SECONDS", "4"))
SHAKES_PER_HOUR = int(os.environ.get("SHAKES_PER_HOUR", "60"))

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from static/ when collectstatic has not run (demo, tests); production collects.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
if WHITENOISE_USE_FINDERS:
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if WHITENOISE_USE_FINDERS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Behind nginx: the app checks access, then hands the file to this internal location (docs/deploy.md).
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")

# Uploaded images: refused above these before any decoding work.
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # Not a warning per refused request (a red-packet storm answers 400 "too late" hundreds of times); server
        # errors still log, and refused CSRF checks log on django.security.csrf.
        "django.request": {"level": "ERROR"},
    },
}
