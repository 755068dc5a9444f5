"""Staff roles are Django groups. Their permissions are created by migration accounts.0002."""

from django.db import models


class Role(models.TextChoices):
    REVIEWER = "Reviewer", "Reviewer"
    SENIOR_REVIEWER = "Senior reviewer", "Senior reviewer"
    ADMINISTRATOR = "Administrator", "Administrator"
