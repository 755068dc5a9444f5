"""Gunicorn for Recourse: `gunicorn -c gunicorn.conf.py portal.wsgi`.

Every value can be changed from the environment; the defaults suit one machine behind a TLS proxy (see README,
"Running in production"). Django's own settings (SECRET_KEY, DATABASE_URL, REDIS_URL, ...) are read by the app,
not here, so this file holds no secrets.
"""

import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

# Gunicorn reads this file before it adds the project to the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal.log_redaction import RedactingFilter  # noqa: E402


def _whole_number(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise SystemExit(f"{name} must be a whole number of at least {minimum}; got {raw!r}.")
    return int(raw)


def _cores() -> int:
    """The cores this process may run on, which a container or taskset may limit below the machine's count."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# A page is a few database queries and a template: CPU-bound, so workers scale with cores. The default is capped
# because each worker holds its own database connection and memory; set WEB_CONCURRENCY to go beyond it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _whole_number("WEB_CONCURRENCY", min(2 * _cores() + 1, 9))
# More than one thread switches to the gthread worker, which also keeps client connections alive between requests.
threads = _whole_number("GUNICORN_THREADS", 1)
timeout = _whole_number("GUNICORN_TIMEOUT", 30)
graceful_timeout = _whole_number("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _whole_number("GUNICORN_KEEPALIVE", 5)

# One line per request on stdout (GUNICORN_ACCESS_LOG=off for none, say under a load test); errors on stderr.
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG", "").strip().lower() == "off" else "-"
errorlog = "-"
# Gunicorn 25+ opens a control socket at one fixed path per user, which a second server on the machine (a benchmark,
# a staging copy) would clash over. Nothing here uses it.
control_socket_disable = True
# The heartbeat file lives in memory, so a slow disk cannot make the master think a worker hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


class RedactingLogger(Logger):
    """Gunicorn's access and error logs through the same redaction as the app's (portal/log_redaction.py): no
    sign-in token (in a path or a referer), API key or whole email address. Whoever reads the log must not be able
    to sign in."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactingFilter())


logger_class = RedactingLogger
