"""The admin site behind the same sign-in as the dashboard: password and TOTP, with lockout."""

from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.staff_access import second_factor_passed


class StaffAdminSite(AdminSite):
    site_header = "Recourse administration"
    site_title = "Recourse"
    site_url = "/review/"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and second_factor_passed(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated and second_factor_passed(request):
            raise PermissionDenied  # signed in properly, but not an administrator: no second login form
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('staff:login')}?{urlencode({'next': next_url})}")


class StaffAdminConfig(AdminConfig):
    default_site = "portal.admin_site.StaffAdminSite"
