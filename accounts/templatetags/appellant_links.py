from django import template
from django.conf import settings
from django.urls import reverse

from accounts.appellant_access import token_for

register = template.Library()


@register.simple_tag
def appellant_link(selector: str) -> str:
    """The full sign-in URL for a token, rebuilt from its selector when the message is rendered."""
    return settings.SITE_URL + reverse("appeal:sign_in", args=[token_for(selector)])
