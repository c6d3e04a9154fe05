"""Settings for the Thredd onboarding portal, read from the environment.

Everything that differs between a laptop, CI and production comes from environment
variables (or a `.env` file beside manage.py), in the twelve-factor way of
cookiecutter-django. `DJANGO_ENV=production` switches on the production profile, which
passes `manage.py check --deploy --fail-level WARNING`.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

ENV = environ.Env()
if (BASE_DIR / ".env").is_file():
    ENV.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = ENV.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# A development key is fine off production; production refuses to start without a real one.
SECRET_KEY = (
    ENV.str("DJANGO_SECRET_KEY")
    if PRODUCTION
    else ENV.str("DJANGO_SECRET_KEY", default="dev-only-not-secret-thredd-onboard")
)
DEBUG = ENV.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = ENV.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = ENV.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The address the portal is reached at, used for links in email.
PORTAL_BASE_URL = ENV.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "connectivity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The idle timeout slides with what the user does, not with a page polling by itself.
    "connectivity.mfa.IdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Who did what from where, for the audit log; then staff must prove a second factor.
    "connectivity.services.audit.AuditMiddleware",
    "connectivity.mfa.StaffVerifiedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A GET of an action's address (approve, confirm, retry) gets a page, not an empty 405.
    "connectivity.errors.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "thredd_onboard.urls"
WSGI_APPLICATION = "thredd_onboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL only: the allocation rules rely on its cidr type and exclusion constraints.
# With no DATABASE_URL (off production) `make` and manage.py start an embedded server and set it.
DATABASES = {"default": ENV.db_url("DATABASE_URL")}
# A Unix-socket directory arrives percent-encoded in the URL's host part.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
# Production keeps each worker's connection for a minute (checked before reuse) rather than
# opening one per request; elsewhere connections close after each request.
DATABASES["default"]["CONN_MAX_AGE"] = ENV.int(
    "DATABASE_CONN_MAX_AGE", default=60 if PRODUCTION else 0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": ENV.str("DATABASE_TEST_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "connectivity.User"
# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Bootstrap and htmx come from npm (package.json) and are served from here, never a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Mail: SMTP when EMAIL_HOST is given, else printed to the console (the embedded default).
# (Django 6.1's MAILERS replaces the EMAIL_* settings, so the host is kept in a plain name.)
# Production must name its SMTP server: a portal that silently prints its mail tells nobody.
SMTP_HOST = ENV.str("EMAIL_HOST") if PRODUCTION else ENV.str("EMAIL_HOST", default="")
DEFAULT_FROM_EMAIL = ENV.str(
    "DEFAULT_FROM_EMAIL", default="Thredd Connectivity <connectivity@thredd.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The staff team told of every new submission.
THREDD_TEAM_EMAIL = ENV.str("THREDD_TEAM_EMAIL", default="network-onboarding@thredd.example")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": ENV.int("EMAIL_PORT", default=25),
                "username": ENV.str("EMAIL_HOST_USER", default="") or None,
                "password": ENV.str("EMAIL_HOST_PASSWORD", default="") or None,
                "use_tls": ENV.bool("EMAIL_USE_TLS", default=False),
                # A hung mail server must never hold a worker for long.
                "timeout": ENV.int("EMAIL_TIMEOUT", default=10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Celery: with no broker, tasks run in-process (after commit, as everywhere else).
CELERY_BROKER_URL = ENV.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_RESULT_BACKEND = ENV.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only when done, and re-delivered if its worker dies mid-way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = ENV.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = ENV.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600, "socket_connect_timeout": 2}
# Publishing happens after commit, in the web request: with Redis down, give up within about
# a second (the change is committed; the periodic sweeps hand the work out later) rather
# than hold the user's page. Both the broker and the result backend (which subscribes to
# a task's result as it is sent) would otherwise retry for about 20 s per task.
BROKER_DOWN_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = BROKER_DOWN_RETRY_POLICY
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": BROKER_DOWN_RETRY_POLICY}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports each step of every PDF (and of its own start) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        # django-axes greets every process with "AXES: BEGIN version …" at INFO: noise before
        # each command's own output. Its warnings (lockouts, failures) still show.
        "axes.apps": {"level": "WARNING"},
        # The embedded PostgreSQL (manage.py with no DATABASE_URL) narrates its stop at INFO.
        "pgserver": {"level": "WARNING"},
    },
}

# Security headers and cookies everywhere; HTTPS-only parts in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's own Content Security Policy, in every profile so the tests see what production
# sends: scripts and styles only from the portal's own static files (no inline script or
# style at all: behaviour lives in static/js), no framing, forms post only here. Bootstrap's CSS
# draws its form icons from data: SVGs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
# A 15-minute idle timeout that slides: every request pushes the expiry on (PCI DSS 8.2.8).
SESSION_COOKIE_AGE = 15 * 60
# Off: IdleTimeoutMiddleware slides the session on every request but a page's own polling.
SESSION_SAVE_EVERY_REQUEST = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = ENV.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Sign-in protection (django-axes): ten failures lock sign-in for 30 minutes, then the lock
# lifts by itself (PCI DSS 8.3.4: at most 10 attempts, at least 30 minutes; never permanent).
# Two counts, either of which locks: per sign-in name (the user ID PCI speaks of: guesses
# spread over many addresses are still stopped) and per client address (one source trying
# many accounts is stopped too). Names are compared in lower case.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "connectivity.services.audit.sign_in_name"
AXES_CLIENT_IP_CALLABLE = "connectivity.services.audit.client_ip"
# Off: a success resets only its own account's failures (services.audit._signed_in).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a load balancer, the number of proxies that append to X-Forwarded-For: the
# client's address is read that many entries from the right, never from what it sent.
TRUSTED_PROXY_COUNT = ENV.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Thredd staff sign in with a second factor (TOTP, django-otp) before any staff page.
OTP_TOTP_ISSUER = "Thredd Connectivity"

# WhiteNoise serves static files in every profile; off production it reads them straight
# from the source folders (and node_modules), so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Keys that encrypt tunnel PSKs at rest (Fernet, newest first), kept apart from SECRET_KEY.
# README says how to make one. Off production a fixed development key is used.
DEVELOPMENT_PSK_KEY = "ZGV2LW9ubHktcHNrLWtleS1ub3Qtc2VjcmV0LTAwMDA="
PSK_ENCRYPTION_KEYS = (
    ENV.list("PSK_ENCRYPTION_KEYS")
    if PRODUCTION
    else ENV.list("PSK_ENCRYPTION_KEYS", default=[DEVELOPMENT_PSK_KEY])
)

# Celery beat: re-send outbox emails still pending (the mail server was away), and hand out
# again configuration artifacts still pending (the broker was down, or a worker died).
CELERY_BEAT_SCHEDULE = {
    "email-sweep": {"task": "connectivity.email_sweep", "schedule": 60.0},
    "artifact-sweep": {"task": "connectivity.artifact_sweep", "schedule": 60.0},
    "aws-sweep": {"task": "connectivity.aws_sweep", "schedule": 60.0},
    "aws-telemetry": {"task": "connectivity.aws_telemetry_poll", "schedule": 60.0},
    "certificate-sweep": {"task": "connectivity.certificate_sweep", "schedule": 60.0},
    "certificate-expiry": {"task": "connectivity.certificate_expiry_warn", "schedule": 3600.0},
}

# Thredd's side in AWS. With AWS_PROVISIONING on, approval creates the customer gateways, VPN
# connections, peering attachments and routes through boto3, whose standard chain gives the
# credentials (environment, profile, instance role) and which honours AWS_ENDPOINT_URL; off
# (the default), an engineer records the values of resources made in the console.
AWS_PROVISIONING = ENV.bool("AWS_PROVISIONING", default=False)
# How long a tunnel of an active connection may be down before its client and Thredd are
# mailed (once per down spell).
TUNNEL_DOWN_ALERT_AFTER = timedelta(minutes=ENV.int("TUNNEL_DOWN_ALERT_MINUTES", default=5))
# Illustrative AWS values an engineer may fill in with one click: `make run`'s demo only.
AWS_ILLUSTRATIVE_VALUES = ENV.bool("AWS_ILLUSTRATIVE_VALUES", default=False)
# mTLS client certificates: AWS Private CA signs them when an environment names its CA's ARN;
# otherwise the portal's own CA does (`manage.py create_mtls_ca`). Thredd's agreed validity.
MTLS_PRIVATE_CA_ARNS = {
    "uat": ENV.str("MTLS_PRIVATE_CA_ARN_UAT", default=""),
    "production": ENV.str("MTLS_PRIVATE_CA_ARN_PRODUCTION", default=""),
}
MTLS_CERTIFICATE_DAYS = ENV.int("MTLS_CERTIFICATE_DAYS", default=365)
