"""Staff sign-in: password (locked out after repeated failures), then a TOTP code; enrolment on first sign-in."""

import base64
import textwrap
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import segno
from axes.helpers import get_client_username
from django import forms
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import staff_lockout_record
from portal.audit.actors import request_ip, staff_actor
from portal.audit.services import audit_record


class StaffSignInForm(AuthenticationForm):
    """Django's form sets the username's max_length only after building its validators, so it never enforces it:
    an overlong name reached django-axes, whose log of failures holds 255 characters, and PostgreSQL refused it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(self.username_field.max_length or 254))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes' answer to a sign-in it refuses (AXES_LOCKOUT_CALLABLE): the lockout page, and the audit trail."""
    staff_lockout_record(email=get_client_username(request, credentials) or "", ip=request_ip(request))
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=HTTPStatus.TOO_MANY_REQUESTS)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = StaffSignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        return _next_step(request)
    return render(request, "review/login.html", {"form": form, "next": _next_url(request)})


def _next_step(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    step = "staff:verify" if TOTPDevice.objects.filter(user=user, confirmed=True).exists() else "staff:enrol"
    return redirect(f"{reverse(step)}?{urlencode({'next': _next_url(request)})}")


@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(_next_url(request), "staff:login")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"{reverse('staff:enrol')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"].strip()):
            return _verified(request, device, "staff.signed_in")
        form.add_error("code", _("That code is not right, or too many were tried. Wait for a new code."))
    return render(request, "review/otp_verify.html", {"form": form, "next": _next_url(request)})


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: show the secret as a QR code and take one code to confirm it. Only while the account has no
    confirmed device: a password alone must never be enough to add one."""
    if not request.user.is_authenticated:
        return redirect_to_login(_next_url(request), "staff:login")
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('staff:verify')}?{urlencode({'next': _next_url(request)})}")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            return _verified(request, device, "staff.totp_enrolled")
        form.add_error("code", _("That code is not right. Check the time on your phone and try the next code."))
    context = {
        "form": form,
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(textwrap.wrap(base64.b32encode(device.bin_key).decode(), 4)),  # groups of 4 to type
        "next": _next_url(request),
    }
    return render(request, "review/otp_enrol.html", context)


def _verified(request: HttpRequest, device: TOTPDevice, action: str) -> HttpResponse:
    otp_login(request, device)
    audit_record(actor=staff_actor(request), action=action, target=request.user)  # type: ignore[arg-type]
    return redirect(_next_url(request))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(actor=staff_actor(request), action="staff.signed_out", target=request.user)
    auth_logout(request)
    return redirect("staff:login")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("review:queue")
