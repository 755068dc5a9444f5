"""Turn an outbox row into what its recipient reads: subject, plain text and HTML, in their language."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateparse import parse_datetime

from portal.notifications.models import Notification


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


# Context keys that hold a moment. JSON stores them as ISO strings; templates format real datetimes.
DATETIME_KEYS = {"reply_by", "ends_at"}


def render_notification(notification: Notification) -> RenderedMessage:
    folder = f"notifications/{notification.template}"
    context = {**notification.context, "site_url": settings.SITE_URL, "notification": notification}
    for key in DATETIME_KEYS & context.keys():
        if isinstance(context[key], str):
            context[key] = parse_datetime(context[key]) or context[key]
    with translation.override(notification.language):
        subject = render_to_string(f"{folder}/subject.txt", context)
        return RenderedMessage(
            subject=" ".join(subject.split()),  # one line: a newline in a subject would be a header injection
            text=render_to_string(f"{folder}/body.txt", context).strip() + "\n",
            html=render_to_string(f"{folder}/body.html", context),
        )
