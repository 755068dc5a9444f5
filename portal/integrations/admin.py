"""Integrations in admin: keys and webhook secrets are made by the services and shown once, on the page that answers
the form (never through the messages framework, which would keep them in the session); keys are revoked, never
edited or deleted; every webhook delivery shows each attempt at it, and staff may send one again."""

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from portal.audit.actors import staff_actor
from portal.audit.admin import ReadOnlyAdmin, ViewOnly
from portal.integrations.models import ApiKey, Integration, Scope, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.integrations.services import (
    api_key_issue,
    api_key_revoke,
    integration_save,
    webhook_delivery_replay,
    webhook_endpoint_register,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_active,
)
from portal.rules import RuleViolation


class ApiKeyInline(ViewOnly, admin.TabularInline[ApiKey, Integration]):
    model = ApiKey
    fields = readonly_fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    extra = 0
    show_change_link = True


class WebhookEndpointInline(ViewOnly, admin.TabularInline[WebhookEndpoint, Integration]):
    model = WebhookEndpoint
    fields = readonly_fields = ("url", "active", "created_at")
    extra = 0
    show_change_link = True


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin[Integration]):
    list_display = ["name", "contact_email", "created_at"]
    search_fields = ["name", "contact_email"]
    fields = ["name", "contact_email", "created_at"]
    readonly_fields = ["created_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its keys and deliveries keep pointing at it

    def get_inlines(
        self, request: HttpRequest, obj: Integration | None
    ) -> list[type[admin.options.InlineModelAdmin[Any, Any]]]:
        return [ApiKeyInline, WebhookEndpointInline] if obj else []  # a new integration has neither yet

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        integration_save(actor=staff_actor(request), integration=obj)


class ServiceFormAdmin(admin.ModelAdmin[Any]):
    """A model whose rows a service creates from a short form, then shows a secret once; the rows are read-only
    afterwards, and what may change about them (revoking, rotating, disabling) is an action of its own with a
    confirmation page, allowed to those with the model's change permission."""

    add_title = ""
    add_button = ""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # no edit form; see may_act

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit trail and the deliveries keep pointing at it

    def may_act(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def render_service_form(self, request: HttpRequest, form: forms.ModelForm[Any]) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.add_title,
            "submit_label": self.add_button,
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}, model_admin=self),
            "errors": form.errors,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/integrations/service_form.html", context)

    def render_shown_once(
        self, request: HttpRequest, obj: Model, *, title: str, label: str, secret: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "object": obj,
            "label": label,
            "secret": secret,
            "done_url": self.change_url(obj),
        }
        return TemplateResponse(request, "admin/integrations/shown_once.html", context)

    def object_action_url(self, name: str, view: Callable[[HttpRequest, Any], HttpResponse]) -> URLPattern:
        """`<id>/<name>/` for `view(request, obj)`: it asks on GET (see confirm) and acts on POST."""
        return path(
            f"<path:object_id>/{name}/",
            self.admin_site.admin_view(self._object_action(view)),
            name=f"{self.opts.app_label}_{self.opts.model_name}_{name.replace('-', '_')}",
        )

    def _object_action(self, view: Callable[[HttpRequest, Any], HttpResponse]) -> Callable[..., HttpResponse]:
        def action_view(request: HttpRequest, object_id: str) -> HttpResponse:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404
            if not self.may_act(request):
                raise PermissionDenied
            return view(request, obj)

        return action_view

    def confirm(self, request: HttpRequest, obj: Model, *, question: str, button: str) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": button,
            "object": obj,
            "question": question,
            "button": button,
            "change_url": self.change_url(obj),
        }
        return TemplateResponse(request, "admin/integrations/confirm.html", context)

    def change_url(self, obj: Model) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "may_act": self.may_act(request)}
        )


class ApiKeyIssueForm(forms.ModelForm[ApiKey]):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, help_text="What calls with this key may do."
    )

    class Meta:
        model = ApiKey
        fields = ["integration", "name"]


class KeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "active")
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceFormAdmin):
    list_display = ["name", "integration", "prefix", "scope_list", "status", "created_at", "last_used_at"]
    list_filter = [KeyStatusFilter, "integration"]
    list_select_related = ["integration"]
    search_fields = ["name", "=prefix"]
    fields = readonly_fields = (
        "integration",
        "name",
        "prefix",
        "scope_list",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ["revoke_selected"]
    add_title = "Issue an API key"
    add_button = "Issue key"

    @admin.display(description="scopes")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes) or "—"

    @admin.display(description="status")
    def status(self, key: ApiKey) -> str:
        return "Active" if key.is_active else "Revoked"

    def get_urls(self) -> list[URLPattern]:
        return [self.object_action_url("revoke", self.revoke_object), *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiKeyIssueForm(request.POST or None, initial={"integration": request.GET.get("integration")})
        if not form.is_valid():
            return self.render_service_form(request, form)
        issued = api_key_issue(
            actor=staff_actor(request),
            integration=form.cleaned_data["integration"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
        )
        return self.render_shown_once(
            request, issued.key, title="API key issued", label="The API key", secret=issued.plaintext
        )

    def revoke_object(self, request: HttpRequest, key: ApiKey) -> HttpResponse:
        if request.method != "POST":
            return self.confirm(
                request, key, question=f"Revoke the key “{key}”? Calls with it are refused at once.", button="Revoke"
            )
        api_key_revoke(actor=staff_actor(request), key=key)
        self.message_user(request, f"Revoked “{key}”.", messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(key))

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return self.may_act(request)

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = staff_actor(request)
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            api_key_revoke(actor=actor, key=key)
        self.message_user(request, f"Revoked {len(keys)} API key(s).", messages.SUCCESS)


class WebhookEndpointRegisterForm(forms.ModelForm[WebhookEndpoint]):
    class Meta:
        model = WebhookEndpoint
        fields = ["integration", "url"]
        help_texts = {"url": "Events are POSTed here, signed with a secret shown once on the next page."}


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceFormAdmin):
    list_display = ["url", "integration", "active", "created_at"]
    list_filter = ["active", "integration"]
    list_select_related = ["integration"]
    search_fields = ["url"]
    fields = readonly_fields = ("integration", "url", "active", "created_at")  # never the secret
    actions = ["disable_selected", "enable_selected"]
    add_title = "Register a webhook endpoint"
    add_button = "Register endpoint"

    def get_urls(self) -> list[URLPattern]:
        return [
            self.object_action_url("rotate-secret", self.rotate_secret_object),
            self.object_action_url("disable", self.disable_object),
            self.object_action_url("enable", self.enable_object),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WebhookEndpointRegisterForm(
            request.POST or None, initial={"integration": request.GET.get("integration")}
        )
        if not form.is_valid():
            return self.render_service_form(request, form)
        try:
            endpoint = webhook_endpoint_register(
                actor=staff_actor(request), integration=form.cleaned_data["integration"], url=form.cleaned_data["url"]
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
            return self.render_service_form(request, form)
        return self.render_shown_once(
            request, endpoint, title="Webhook endpoint registered", label="The signing secret", secret=endpoint.secret
        )

    def rotate_secret_object(self, request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
        if request.method != "POST":
            question = f"Give “{endpoint}” a new signing secret? Events are signed with the new one at once."
            return self.confirm(request, endpoint, question=question, button="Rotate secret")
        endpoint = webhook_endpoint_rotate_secret(actor=staff_actor(request), endpoint=endpoint)
        return self.render_shown_once(
            request, endpoint, title="Signing secret rotated", label="The new signing secret", secret=endpoint.secret
        )

    def disable_object(self, request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
        return self._set_active(request, endpoint, active=False)

    def enable_object(self, request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
        return self._set_active(request, endpoint, active=True)

    def _set_active(self, request: HttpRequest, endpoint: WebhookEndpoint, *, active: bool) -> HttpResponse:
        verb = "Enable" if active else "Disable"
        if request.method != "POST":
            effect = "Events are sent to it again." if active else "No more events are sent to it."
            return self.confirm(request, endpoint, question=f"{verb} “{endpoint}”? {effect}", button=verb)
        webhook_endpoint_set_active(actor=staff_actor(request), endpoint=endpoint, active=active)
        self.message_user(request, f"{verb}d “{endpoint}”.", messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(endpoint))

    def has_switch_permission(self, request: HttpRequest) -> bool:
        return self.may_act(request)

    @admin.action(description="Disable selected endpoints", permissions=["switch"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        self._switch_all(request, queryset, active=False)

    @admin.action(description="Enable selected endpoints", permissions=["switch"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        self._switch_all(request, queryset, active=True)

    def _switch_all(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint], *, active: bool) -> None:
        actor = staff_actor(request)
        endpoints = list(queryset.exclude(active=active))
        for endpoint in endpoints:
            webhook_endpoint_set_active(actor=actor, endpoint=endpoint, active=active)
        verb = "Enabled" if active else "Disabled"
        self.message_user(request, f"{verb} {len(endpoints)} endpoint(s).", messages.SUCCESS)


class WebhookAttemptInline(ViewOnly, admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    fields = readonly_fields = ("attempted_at", "status_code", "error", "response_excerpt", "duration_ms", "replay")
    extra = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status", "event_type", "endpoint__integration"]
    list_select_related = ["endpoint"]
    search_fields = ["=event_id"]
    ordering = ["-id"]  # newest first along the primary key: no sort over every delivery ever made
    show_full_result_count = False
    fields = readonly_fields = (
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
        "replay_pending",
        "payload_json",
    )
    inlines = [WebhookAttemptInline]
    actions = ["replay_selected"]

    @admin.display(description="payload")
    def payload_json(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, sort_keys=True))

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("integrations.replay_webhookdelivery")

    @admin.action(description="Replay selected deliveries (send each once more, now)", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        actor = staff_actor(request)
        queued = 0
        for delivery in queryset.order_by("pk"):
            try:
                webhook_delivery_replay(actor=actor, delivery=delivery)
            except RuleViolation as refusal:
                self.message_user(request, f"Delivery #{delivery.pk} was not replayed: {refusal}", messages.WARNING)
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} delivery(ies) to be sent again.", messages.SUCCESS)
