"""What never goes into a log: sign-in tokens, API keys, webhook secrets and whole email addresses.

Whoever reads a log must not be able to sign in as an appellant, call the API as the platform, forge a webhook, or
learn who appealed. `redact` is the one rule; `RedactingFilter` applies it to every record Django's handlers write
(see LOGGING in portal/settings.py) and gunicorn.conf.py applies it to gunicorn's access and error logs.
"""

import logging
import re

from portal.privacy import mask_email

# A sign-in link carries its one-time token in the path, and a browser sends that URL again as the referer.
SIGN_IN_TOKEN = re.compile(r"(/appeal/sign-in/)[^/\s\"'?#]+")
# portal/integrations/keys.py: rk_<12 hex>_<secret> and whsec_<secret>. The key's prefix names it in admin and in
# the audit trail, so it stays; the secret part goes.
API_KEY = re.compile(r"\b(rk_[0-9a-f]{12}_)[A-Za-z0-9_-]+")
WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9_-]+")
# The usual characters of an address only, so "email=someone@example.org" in a query string keeps its "email=".
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact(text: str) -> str:
    text = SIGN_IN_TOKEN.sub(r"\1…", text)
    text = API_KEY.sub(r"\1…", text)
    text = WEBHOOK_SECRET.sub("whsec_…", text)
    return EMAIL.sub(lambda match: mask_email(match[0]), text)


class RedactingFilter(logging.Filter):
    """Rewrites the record in place, message and traceback, so every handler after this one (pytest's too) only
    ever sees the redacted text. It sits on the handlers, not on loggers: a logger's filter never sees the records
    its children pass up."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
