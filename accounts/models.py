from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.roles import Role


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff: reviewer, senior reviewer or administrator. Appellants have no User."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True, help_text="Untick to deactivate: the person can no longer sign in.")
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        verbose_name = "staff account"
        verbose_name_plural = "staff accounts"
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()

    @property
    def role_names(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())


class AppellantToken(models.Model):
    """A single-use, short-lived link that lets an appellant in. Only a hash of the token is stored; the link is
    derived from the selector and SECRET_KEY when the message is rendered, so the outbox holds no secret either."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", "Sign in to a case (sent to the address on file)"
        VERIFY_CONTACT = "verify_contact", "Verify a new contact address"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    selector = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64)
    handle = models.CharField(max_length=255)
    email = models.EmailField()
    suspension = models.ForeignKey(
        "appeals.Suspension", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="appellant_token_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.selector[:6]}…)"
