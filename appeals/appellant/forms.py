import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from appeals.evidence import MAX_FILES
from appeals.models import AppealReason


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is vetted by its bytes in appeals.evidence, not here."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf,.txt"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class HandleField(forms.CharField):
    """Letters and marks of any script, digits, dot, dash and underscore, up to 64 once normalised: enough for
    real handles, too little to smuggle a message or a link into the emails we send."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Your account handle"),
            help_text=_("The name of the suspended account, for example @jo_example."),
            max_length=65,
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        handle = unicodedata.normalize("NFKC", super().clean(value).strip().removeprefix("@"))
        allowed = all(unicodedata.category(char)[0] in "LMN" or char in "._-" for char in handle)
        if not handle or len(handle) > 64 or not allowed:
            raise forms.ValidationError(_("Enter the handle as it appears on the platform, for example @jo_example."))
        return handle


class FindCaseForm(forms.Form):
    handle = HandleField()
    email = forms.EmailField(
        max_length=254,
        label=_("Email address"),
        help_text=_("The address the platform has for your account. We send the sign-in link there."),
    )


class LostAddressForm(forms.Form):
    handle = HandleField()
    email = forms.EmailField(
        max_length=254,
        label=_("An email address you can read now"),
        help_text=_("We send a link to this address to check that it is yours."),
    )


class AppealForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should the decision change?"), choices=AppealReason.choices, widget=forms.RadioSelect
    )
    statement = forms.CharField(
        label=_("Your explanation"),
        help_text=_("Tell us what happened, in your own words. Up to 5,000 characters."),
        max_length=settings.APPEAL_STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        help_text=_("Up to %(max)d files: PNG, JPEG, PDF or plain text, 10 MB each.") % {"max": MAX_FILES},
    )
    language = forms.ChoiceField(
        label=_("Language for our messages to you"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(
        label=_("Attach files (optional)"),
        help_text=_("PNG, JPEG, PDF or plain text, 10 MB each; up to %(max)d files on the whole appeal.")
        % {"max": MAX_FILES},
    )
