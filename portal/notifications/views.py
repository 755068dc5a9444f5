"""The endpoint mail providers post delivery reports to. django-anymail parses and authenticates each provider's
format; this view adds one rule of ours: without a configured secret, nothing is accepted."""

import logging

from anymail.exceptions import AnymailConfigurationError, AnymailWebhookValidationFailure
from anymail.utils import get_anymail_setting
from anymail.webhooks.base import AnymailBaseWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from anymail.webhooks.sparkpost import SparkPostTrackingWebhookView
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

logger = logging.getLogger(__name__)

TRACKING_VIEWS: dict[str, type[AnymailBaseWebhookView]] = {
    "brevo": BrevoTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "mailjet": MailjetTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
    "sparkpost": SparkPostTrackingWebhookView,
}


@csrf_exempt
@require_http_methods(["POST", "HEAD"])  # some providers check a webhook URL with HEAD when it is set up
def provider_events(request: HttpRequest, provider: str) -> HttpResponse:
    """Anymail checks the basic-auth secret and, where the provider signs its reports, the signature, then sends
    its `tracking` signal (events.py records it). A refusal is 403 and changes nothing."""
    view_class = TRACKING_VIEWS.get(provider)
    if view_class is None:
        raise Http404("No such mail provider.")
    # Anymail only warns when no secret is set and then accepts anything; anyone could then mark mail bounced.
    if not get_anymail_setting("webhook_secret", default=None):
        logger.error("Mail provider report refused: NOTIFICATION_EVENTS_SECRET is not set.")
        return HttpResponseForbidden("Reports are not accepted: no secret is configured.")
    try:
        view = view_class()  # reads the provider's keys from settings.ANYMAIL
    except AnymailConfigurationError as error:
        logger.error("Mail provider report refused, %s is not fully configured: %s", provider, error)
        return HttpResponseForbidden("Reports from this provider are not configured.")
    view.setup(request, provider=provider)
    try:
        return view.dispatch(request, provider=provider)
    except AnymailWebhookValidationFailure as error:
        logger.warning("Mail provider report refused: %s", error)
        return HttpResponseForbidden("The report's credentials or signature are wrong.")
