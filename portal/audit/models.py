from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.functions import Coalesce


class ActorKind(models.TextChoices):
    APPELLANT = "appellant", "Appellant"
    STAFF = "staff", "Staff"
    API = "api", "API client"
    SYSTEM = "system", "System"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_target(self, target: models.Model) -> "AuditEventQuerySet":
        return self.filter(target_type=target._meta.label_lower, target_id=str(target.pk))


class AuditEventManager(models.Manager["AuditEvent"]):
    """Events as people read them: the actor and address from the personal part while it is kept, else what the
    chained row holds (everything, for events recorded before the split; the non-personal part after it)."""

    def get_queryset(self) -> AuditEventQuerySet:
        # The stubs' plugin counts an annotation named like a declared attribute as a redefinition; these are the
        # declared attributes' values.
        return AuditEventQuerySet(self.model, using=self._db).annotate(  # type: ignore[no-redef]
            actor_id=Coalesce("personal__actor_id", "hashed_actor_id"),
            actor_label=Coalesce("personal__actor_label", "hashed_actor_label"),
            ip=Coalesce("personal__ip", "hashed_ip"),
        )

    def for_target(self, target: models.Model) -> AuditEventQuerySet:
        return self.get_queryset().for_target(target)


class AuditEvent(models.Model):
    """One action, chained to the one before it by hash. Rows are never changed or deleted.

    Personal data (who exactly, from which address, personal details) lives in AuditPersonalData; the row holds a
    salted commitment to it (`personal_digest`), which the hash covers. Erasing the personal row leaves the chain
    verifiable and the commitment unlinkable. Events recorded before the split have no commitment and hold
    everything in the row."""

    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the chain, from 1 without gaps.")
    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    hashed_actor_id = models.CharField(max_length=255, blank=True, db_column="actor_id")
    hashed_actor_label = models.CharField(max_length=255, blank=True, db_column="actor_label")
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    hashed_ip = models.GenericIPAddressField(null=True, blank=True, db_column="ip")
    personal_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    # Set by AuditEventManager on every event it reads.
    actor_id: str
    actor_label: str
    ip: str | None

    objects = AuditEventManager()
    rows = AuditEventQuerySet.as_manager()  # the chained rows alone, for the chain's own reads and writes

    class Meta:
        ordering = ["seq"]
        base_manager_name = "rows"
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx"),
            models.Index(fields=["actor_kind", "hashed_actor_id", "seq"], name="audit_actor_idx"),
            models.Index(fields=["action", "seq"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    @property
    def details(self) -> dict:
        """The event's data with its personal keys while they are kept (see portal.audit.personal)."""
        personal = AuditPersonalData.objects.filter(event=self).values_list("data", flat=True).first()
        return {**self.data, **(personal or {})}


class AuditPersonalData(models.Model):
    """The personal part of one event, deleted by retention. `salt` makes the commitment in the event unguessable
    from the few values a field could take (an IP address, an email) once this row is gone."""

    event = models.OneToOneField(AuditEvent, on_delete=models.CASCADE, primary_key=True, related_name="personal")
    salt = models.CharField(max_length=32)
    actor_id = models.CharField(max_length=255, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    def __str__(self) -> str:
        return f"personal data of event {self.event_id}"
