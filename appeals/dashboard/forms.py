from datetime import date, timedelta

from django import forms
from django.core.validators import MaxValueValidator
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
    manifestly_unfounded = forms.BooleanField(
        label=_("Upheld: the appeal was manifestly unfounded (counts towards a misuse warning or block)"),
        required=False,
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


class PeriodForm(forms.Form):
    """A period of whole days for the transparency report, both days included; by default the last full month."""

    first = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MaxValueValidator(date.max - timedelta(days=1))],  # the report counts to the day after
    )

    @staticmethod
    def last_full_month() -> dict[str, str]:
        first_of_this_month = timezone.localdate().replace(day=1)
        last = first_of_this_month - timedelta(days=1)
        return {"first": last.replace(day=1).isoformat(), "last": last.isoformat()}

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and last < first:
            self.add_error("last", _("The last day must not be before the first day."))
        return cleaned

    @property
    def since(self) -> date:
        return self.cleaned_data["first"]

    @property
    def until(self) -> date:
        """The day after the period: reports count [since, until)."""
        return self.cleaned_data["last"] + timedelta(days=1)
