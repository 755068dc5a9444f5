from django import template

from portal.privacy import mask_email as mask

register = template.Library()


@register.filter
def mask_email(address: str) -> str:
    return mask(address or "")


@register.filter
def keyword_label(keyword: str) -> str:
    """KEYWORD_TERRORIST_CONTENT -> Terrorist content."""
    return keyword.removeprefix("KEYWORD_").replace("_", " ").capitalize()
