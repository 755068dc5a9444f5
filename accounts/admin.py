from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from accounts.models import User
from accounts.roles import Role
from accounts.services import staff_create, staff_deactivate, staff_set_roles, staff_update
from portal.audit.actors import staff_actor
from portal.audit.services import audit_record
from portal.rules import RuleViolation


class RolesField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=Role.choices,
            coerce=Role,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Reviewers work the queue; senior reviewers also approve sensitive reversals and act in bulk; "
            "administrators manage staff here in the admin site.",
            **kwargs,
        )


class StaffCreationForm(AdminUserCreationForm):
    roles = RolesField()

    class Meta:
        model = User
        fields = ["email", "full_name"]


class StaffChangeForm(UserChangeForm):
    roles = RolesField()

    class Meta:
        model = User
        fields = ["email", "full_name", "is_active", "is_superuser", "password"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = self.instance.role_names


@admin.register(User)
class StaffAdmin(DjangoUserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ["email", "full_name", "roles", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "full_name"]
    ordering = ["email"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Access", {"fields": ["is_active", "roles", "is_superuser"]}),
        ("History", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "usable_password", "password1", "password2"]}),
        ("Access", {"fields": ["roles"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(user.role_names) or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail keeps pointing at the person

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        if change:
            staff_update(actor=staff_actor(request), user=obj)
        else:
            staff_create(actor=staff_actor(request), user=obj, roles=form.cleaned_data["roles"])

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        staff_set_roles(actor=staff_actor(request), user=form.instance, roles=form.cleaned_data["roles"])

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except RuleViolation as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit_record(actor=staff_actor(request), action="staff.password_changed", target=("accounts.user", id))
        return response

    @admin.action(description="Deactivate selected staff")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset.filter(is_active=True):
            try:
                staff_deactivate(actor=staff_actor(request), user=user)
                done += 1
            except RuleViolation as error:
                self.message_user(request, f"{user.email}: {error}", messages.WARNING)
        self.message_user(request, f"Deactivated {done} staff account(s).", messages.SUCCESS)
