from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.choices import DecisionAccount
from appeals.models import Outcome


class VersionedForm(forms.Form):
    """Carries the appeal's version from when the page was drawn, so a stale form is refused, not applied."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestInfoForm(VersionedForm):
    body = forms.CharField(label=_("Question for the appellant"), widget=forms.Textarea(attrs={"rows": 4}))
    reply_by = forms.DateField(
        label=_("Reply by"), widget=forms.DateInput(attrs={"type": "date"}), initial=lambda: _in_days(7)
    )

    def clean_reply_by(self) -> object:
        reply_by = self.cleaned_data["reply_by"]
        if reply_by <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date after today."))
        return reply_by


class DecideForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label=_("Reasons (the appellant reads these)"), widget=forms.Textarea(attrs={"rows": 8}))
    new_decision_account = forms.ChoiceField(
        label=_("Modified: restriction becomes"),
        choices=[("", _("unchanged")), *DecisionAccount.choices],
        required=False,
    )
    new_end_date = forms.DateField(
        label=_("Modified: restriction ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("Internal note (the appellant never sees it)"), required=False, initial=True)


class ReasonForm(forms.Form):
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))


class SendBackForm(forms.Form):
    comment = forms.CharField(label=_("What should change"), widget=forms.Textarea(attrs={"rows": 3}))


def _in_days(days: int) -> object:
    return timezone.localdate() + timedelta(days=days)
