import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.choices import (
    AccountType,
    AutomatedDecision,
    Category,
    DecisionAccount,
    DecisionGround,
    SourceType,
)

if TYPE_CHECKING:
    from accounts.models import User


# Django's get_<field>_display rebuilds the field's whole choice map, translating every label, on each call: on a list
# page that is a few dozen translations per row. The labels of the choices shown on every row are looked up here.
CATEGORY_LABELS = dict(Category.choices)


def handle_key(handle: str) -> str:
    """The form of a handle used for lookups: no leading @, compatibility-normalised, case-folded."""
    return unicodedata.normalize("NFKC", handle.strip().lstrip("@")).casefold()


class Wave(models.Model):
    """A batch of suspensions the platform made together (one campaign, one rule, one day)."""

    key = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class SuspensionQuerySet(models.QuerySet["Suspension"]):
    def for_handle(self, handle: str) -> "SuspensionQuerySet":
        return self.filter(handle_key=handle_key(handle))

    def never_informed(self) -> "SuspensionQuerySet":
        return self.filter(informed_at__isnull=True)


class Suspension(models.Model):
    """One account restriction the platform took, with its DSA Art. 17 statement of reasons."""

    puid = models.CharField(_("platform's unique id"), max_length=500, unique=True)
    handle = models.CharField(max_length=255)
    handle_key = models.CharField(max_length=255, db_index=True, editable=False)
    account_email = models.EmailField(_("email on file"), blank=True)
    account_type = models.CharField(max_length=32, choices=AccountType.choices, blank=True)
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.PROTECT, related_name="suspensions")

    decision_account = models.CharField(max_length=32, choices=DecisionAccount.choices)
    application_date = models.DateTimeField(_("restricted from"))
    end_date_account_restriction = models.DateTimeField(_("restricted until"), null=True, blank=True)

    decision_ground = models.CharField(max_length=48, choices=DecisionGround.choices)
    illegal_content_legal_ground = models.CharField(max_length=500, blank=True)
    illegal_content_explanation = models.TextField(max_length=2000, blank=True)
    incompatible_content_ground = models.CharField(max_length=500, blank=True)
    incompatible_content_explanation = models.TextField(max_length=2000, blank=True)
    incompatible_content_illegal = models.BooleanField(null=True, blank=True)
    category = models.CharField(max_length=80, choices=Category.choices)
    category_specification = models.JSONField(default=list, blank=True, help_text="KEYWORD_* values.")
    decision_facts = models.TextField(max_length=5000)
    source_type = models.CharField(max_length=40, choices=SourceType.choices)
    source_identity = models.CharField(max_length=500, blank=True)
    automated_detection = models.BooleanField()
    automated_decision = models.CharField(max_length=40, choices=AutomatedDecision.choices)
    detection_rule = models.CharField(max_length=200, blank=True, help_text="The platform's rule or model id.")
    territorial_scope = models.JSONField(default=list, blank=True, help_text="ISO 3166-1 alpha-2 codes.")
    content_type = models.JSONField(default=list, blank=True)
    content_date = models.DateField(null=True, blank=True)
    content_description = models.TextField(blank=True, help_text="What was posted, as shown to the appellant.")
    original_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="suspensions_decided"
    )

    informed_at = models.DateTimeField(null=True, blank=True, help_text="When a notice first reached the person.")
    first_opened_at = models.DateTimeField(null=True, blank=True, help_text="When the person first opened the case.")
    reinstated_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        ordering = ["-application_date", "-id"]
        indexes = [
            models.Index(fields=["wave", "detection_rule"], name="suspension_wave_rule_idx"),
            models.Index(fields=["category", "application_date"], name="suspension_category_idx"),
            # The statement-of-reasons export reads a period in application-date order.
            models.Index(fields=["application_date", "id"], name="suspension_applied_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision_ground=DecisionGround.ILLEGAL_CONTENT) | ~Q(illegal_content_legal_ground=""),
                name="suspension_illegal_content_has_legal_ground",
            ),
            models.CheckConstraint(
                condition=~Q(decision_ground=DecisionGround.INCOMPATIBLE_CONTENT) | ~Q(incompatible_content_ground=""),
                name="suspension_incompatible_content_has_ground",
            ),
            models.CheckConstraint(
                condition=Q(end_date_account_restriction__isnull=True)
                | Q(end_date_account_restriction__gt=models.F("application_date")),
                name="suspension_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle} ({self.puid})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.handle_key = handle_key(self.handle)
        super().save(*args, **kwargs)

    def get_category_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django adds
        return str(CATEGORY_LABELS.get(self.category, self.category))

    @property
    def never_informed(self) -> bool:
        return self.informed_at is None

    @property
    def is_sensitive(self) -> bool:
        return self.category in settings.SENSITIVE_CATEGORIES

    @property
    def appeal_window_starts_at(self) -> datetime | None:
        """From the day the person was informed; if no notice reached them, from when they first opened the case."""
        return self.informed_at or self.first_opened_at

    @property
    def appeal_deadline(self) -> datetime | None:
        start = self.appeal_window_starts_at
        return start + timedelta(days=settings.APPEAL_WINDOW_DAYS) if start else None

    def appeal_window_open(self, at: datetime | None = None) -> bool:
        deadline = self.appeal_deadline
        return deadline is None or (at or timezone.now()) <= deadline


class NoticeStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")


class Notice(models.Model):
    """One attempt to tell the account holder about their suspension, by the platform or by Recourse."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        IN_APP = "in_app", _("In the app")
        SMS = "sms", _("Text message")
        POST = "post", _("Letter")

    suspension = models.ForeignKey(Suspension, on_delete=models.CASCADE, related_name="notices")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    address = models.CharField(max_length=320, blank=True)
    status = models.CharField(max_length=16, choices=NoticeStatus.choices)
    sent_at = models.DateTimeField()
    status_at = models.DateTimeField(help_text="When the status was last reported.")
    detail = models.CharField(max_length=500, blank=True, help_text="Bounce reason or provider message.")
    sent_by_recourse = models.BooleanField(default=False)

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} notice for {self.suspension_id}: {self.status}"


class AppealStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a second reviewer")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = [
    AppealStatus.SUBMITTED,
    AppealStatus.IN_REVIEW,
    AppealStatus.INFO_REQUESTED,
    AppealStatus.AWAITING_APPROVAL,
]
STATUS_LABELS = dict(AppealStatus.choices)
# Statuses in which a reviewer may still decide, ask, or hand the appeal on.
WORKABLE_STATUSES = [AppealStatus.SUBMITTED, AppealStatus.IN_REVIEW, AppealStatus.INFO_REQUESTED]


class AppealReason(models.TextChoices):
    NOT_VIOLATING = "not_violating", _("My content did not break the rules or the law")
    CONTEXT_MISSED = "context_missed", _("The context was missed (reporting, research, counter-speech, satire)")
    NOT_ME = "not_me", _("It was not me, or my account was compromised")
    DISPROPORTIONATE = "disproportionate", _("The restriction is too severe for what happened")
    OTHER = "other", _("Another reason")


# "Due soon" on the queue, the dashboard counters and the statistics.
DUE_SOON = timedelta(days=2)


def _workload_parts(now: datetime) -> dict[str, Q]:
    return {
        "open": Q(),
        "due_soon": Q(due_at__gte=now, due_at__lt=now + DUE_SOON),
        "overdue": Q(due_at__lt=now),
    }


class AppealQuerySet(models.QuerySet["Appeal"]):
    def open(self) -> "AppealQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def from_holder(self) -> "AppealQuerySet":
        """Appeals whose author is known to hold the account (signed in through the address on file, or confirmed
        by a reviewer)."""
        return self.filter(identity_verified=True)

    def unassigned(self) -> "AppealQuerySet":
        return self.filter(assigned_to__isnull=True)

    def closed_before(self, moment: datetime) -> "AppealQuerySet":
        """Decided or withdrawn before `moment`: what retention purges once the period has passed."""
        return self.filter(
            Q(status=AppealStatus.DECIDED, decided_at__lt=moment)
            | Q(status=AppealStatus.WITHDRAWN, withdrawn_at__lt=moment)
        )

    def due_before(self, moment: datetime) -> "AppealQuerySet":
        return self.filter(due_at__lt=moment)

    def open_work(self) -> "AppealQuerySet":
        """Open appeals matched to a case: the queue's rows (unmatched ones wait for staff to find their case)."""
        return self.open().filter(suspension__isnull=False)

    def workload(self, now: datetime) -> dict[str, int]:
        """The open work: how many, due within DUE_SOON, overdue. Exact, so it reads the whole backlog."""
        counts = {name: models.Count("pk", filter=part) for name, part in _workload_parts(now).items()}
        return self.open_work().aggregate(**counts)

    def workload_up_to(self, cap: int, now: datetime, **more: Q) -> dict[str, int]:
        """The same figures, and the further subsets of the open work given, each counted no further than cap + 1."""
        return self.open_work().counts_up_to(cap, **_workload_parts(now), **more)

    def counts_up_to(self, cap: int, **subsets: Q) -> dict[str, int]:
        """How many rows match each condition, counting no further than cap + 1 (one query). A page can say "999+"
        at the cost of reading at most that many index entries per figure, however long the backlog grows."""
        selects: list[str] = []
        params: list[Any] = []
        for name, condition in subsets.items():
            rows = self.filter(condition).order_by().values("pk")[: cap + 1]
            sql, more = rows.query.get_compiler(using=self.db).as_sql()
            selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS {name}_rows)")
            params.extend(more)
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(selects)}", params)
            return dict(zip(subsets, cursor.fetchone(), strict=True))

    def claimable(self) -> "AppealQuerySet":
        return self.filter(
            status__in=[AppealStatus.SUBMITTED, AppealStatus.IN_REVIEW],
            assigned_to__isnull=True,
            suspension__isnull=False,
        )


class Appeal(models.Model):
    reference = models.CharField(max_length=16, unique=True)
    # Empty for an appeal sent from an unverified address that matched no open case: it is kept, and looks the
    # same to its sender, so the public pages never tell whether a handle is suspended.
    suspension = models.ForeignKey(Suspension, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    handle = models.CharField(max_length=255, help_text="The account handle as the appellant gave it.")
    handle_key = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(max_length=20, choices=AppealStatus.choices, default=AppealStatus.SUBMITTED)
    reason = models.CharField(max_length=20, choices=AppealReason.choices)
    statement = models.TextField()
    contact_email = models.EmailField()
    identity_verified = models.BooleanField(
        default=False, help_text="False when the appellant wrote from an address other than the one on file."
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    filed_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="Service-level due date; pushed back while waiting for the appellant.")
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals_held"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    escalated = models.BooleanField(default=False, help_text="Handed to a senior reviewer.")
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention deleted the personal data; the decision and dates remain."
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every change; catches stale forms.")

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        permissions = [
            ("review_appeal", "Can work the review queue"),
            ("decide_appeal", "Can decide appeals"),
            ("approve_decision", "Can approve or send back sensitive reversals"),
            ("bulk_decide", "Can decide many appeals at once"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at", "id"], name="appeal_queue_idx"),
            # The queue's default view and take-next: open, matched appeals in order of urgency. Partial, so it holds
            # the open backlog only, not the years of decided appeals beside it.
            models.Index(
                fields=["due_at", "id"],
                condition=Q(status__in=OPEN_STATUSES, suspension__isnull=False),
                name="appeal_open_due_idx",
            ),
            models.Index(fields=["assigned_to", "status"], name="appeal_assignee_idx"),
            # The platform polls for what changed, or was decided, since it last looked.
            models.Index(fields=["updated_at"], name="appeal_updated_idx"),
            models.Index(fields=["decided_at"], name="appeal_decided_idx"),
        ]
        constraints = [
            # One open appeal per case from its holder. Appeals from unverified addresses do not take that place,
            # so a stranger naming the handle can never block the holder's own appeal.
            models.UniqueConstraint(
                fields=["suspension"],
                condition=Q(status__in=OPEN_STATUSES, identity_verified=True),
                name="appeal_one_open_per_suspension",
            ),
            models.CheckConstraint(
                condition=models.lookups.LessThanOrEqual(Length("statement"), settings.APPEAL_STATEMENT_MAX_LENGTH),
                name="appeal_statement_max_length",
            ),
            models.CheckConstraint(
                condition=Q(status=AppealStatus.DECIDED, decided_at__isnull=False)
                | (~Q(status=AppealStatus.DECIDED) & Q(decided_at__isnull=True)),
                name="appeal_decided_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status=AppealStatus.WITHDRAWN, withdrawn_at__isnull=False)
                | (~Q(status=AppealStatus.WITHDRAWN) & Q(withdrawn_at__isnull=True)),
                name="appeal_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.handle_key = handle_key(self.handle)
        super().save(*args, **kwargs)

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django adds
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_matched(self) -> bool:
        return self.suspension_id is not None

    @property
    def status_for_appellant(self) -> str:
        """What the appellant is shown. Someone writing from an unverified address sees only "submitted" until a
        reviewer deliberately engages (asks, decides), so being picked up for review never confirms a case exists."""
        if not self.identity_verified and self.status in (AppealStatus.IN_REVIEW, AppealStatus.AWAITING_APPROVAL):
            return AppealStatus.SUBMITTED
        return self.status

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def final_decision(self) -> "Decision | None":
        return self.decisions.filter(state=Decision.State.FINAL).first()

    def can_be_decided_by(self, user: "User") -> bool:
        return (
            self.suspension is not None
            and user.has_perm("appeals.decide_appeal")
            and self.suspension.original_decider_id != user.pk
        )


class Evidence(models.Model):
    """A file an appellant attached. Its type was sniffed from its bytes; it is never served inline."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence")
    message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.original_name


class Message(models.Model):
    class Author(models.TextChoices):
        APPELLANT = "appellant", _("Appellant")
        STAFF = "staff", _("Reviewer")
        SYSTEM = "system", _("System")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=16, choices=Author.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    body = models.TextField(max_length=10000)
    internal = models.BooleanField(default=False, help_text="Internal notes are for staff only.")
    reply_by = models.DateTimeField(null=True, blank=True, help_text="Set on a request for information.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(internal=True, author_kind="appellant"), name="message_appellant_never_internal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()} on {self.appeal_id}"


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the restriction stays")
    OVERTURNED = "overturned", _("Overturned: the account is restored")
    MODIFIED = "modified", _("Modified: the restriction is reduced")


class DecisionQuerySet(models.QuerySet["Decision"]):
    def counted_as_misuse(self) -> "DecisionQuerySet":
        """Final decisions that found the account holder's own appeal manifestly unfounded (DSA Art. 23(2))."""
        return self.filter(state="final", manifestly_unfounded=True, appeal__identity_verified=True)


class Decision(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for approval")
        FINAL = "final", _("Final")
        SENT_BACK = "sent_back", _("Sent back")
        CANCELLED = "cancelled", _("Cancelled (appeal withdrawn)")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    state = models.CharField(max_length=16, choices=State.choices)
    reasons = models.TextField(help_text="Written to the appellant.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions_made")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions_approved"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="When the second reviewer acted.")
    review_comment = models.TextField(blank=True, help_text="The second reviewer's comment when sending back.")
    # For a modified restriction: what it becomes.
    new_decision_account = models.CharField(max_length=32, choices=DecisionAccount.choices, blank=True)
    new_end_date = models.DateTimeField(null=True, blank=True)
    manifestly_unfounded = models.BooleanField(
        default=False, help_text="The appeal was manifestly unfounded; repeated ones may lead to a warning or block."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The misuse page reads only these; partial, so it stays small beside millions of decisions.
            models.Index(fields=["appeal"], condition=Q(manifestly_unfounded=True), name="decision_unfounded_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(state="final"), name="decision_one_final_per_appeal"
            ),
            models.CheckConstraint(
                condition=Q(manifestly_unfounded=False) | Q(outcome="upheld"), name="decision_unfounded_is_upheld"
            ),
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(state="proposed"), name="decision_one_proposed_per_appeal"
            ),
            models.CheckConstraint(condition=~Q(reasons=""), name="decision_has_reasons"),
            models.CheckConstraint(
                condition=~Q(outcome="modified") | ~Q(new_decision_account="") | Q(new_end_date__isnull=False),
                name="decision_modified_says_how",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("decided_by")),
                name="decision_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.get_state_display()})"

    @property
    def is_reversal(self) -> bool:
        return self.outcome in (Outcome.OVERTURNED, Outcome.MODIFIED)


class ReasonTemplate(models.Model):
    """A starting text for the reasons a reviewer writes, managed by administrators. Reviewers adapt it to the
    case; the appellant reads the final text."""

    title = models.CharField(max_length=120)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["outcome", "title"]

    def __str__(self) -> str:
        return self.title


class MisuseKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    BLOCK = "block", _("Block on new appeals")
    DISMISSAL = "dismissal", _("Proposal dismissed")


class MisuseMeasureQuerySet(models.QuerySet["MisuseMeasure"]):
    def of_account(self, key: str) -> "MisuseMeasureQuerySet":
        return self.filter(handle_key=key)

    def blocks_in_force(self, now: datetime) -> "MisuseMeasureQuerySet":
        return self.filter(kind=MisuseKind.BLOCK, lifted_at__isnull=True, decided_at__lte=now, ends_at__gt=now)

    def standing_warnings(self, now: datetime) -> "MisuseMeasureQuerySet":
        """Warnings recent enough to count as the prior warning a block needs: those of the last MISUSE_PERIOD_DAYS."""
        since = now - timedelta(days=settings.MISUSE_PERIOD_DAYS)
        return self.filter(kind=MisuseKind.WARNING, decided_at__gte=since)

    def in_force(self, now: datetime) -> "MisuseMeasureQuerySet":
        """What the person is shown: a block in force, or a standing warning."""
        return self.blocks_in_force(now) | self.standing_warnings(now)

    def counts_between(self, start: datetime, end: datetime) -> dict[str, int]:
        """Warnings issued and blocks imposed in [start, end): the DSA Art. 24(1)(b) figures for a report."""
        issued = self.filter(decided_at__gte=start, decided_at__lt=end)
        return issued.aggregate(
            warnings=models.Count("pk", filter=Q(kind=MisuseKind.WARNING)),
            blocks=models.Count("pk", filter=Q(kind=MisuseKind.BLOCK)),
        )


class MisuseMeasure(models.Model):
    """A senior reviewer's decision about an account holder who keeps filing manifestly unfounded appeals (DSA
    Art. 23(2)): a warning, a time-limited block on new appeals, or the dismissal of the proposal to do either.

    Keyed by the account (the normalised handle the platform identifies it by), not by an email address, so a new
    contact address does not escape it, and it never touches anyone else's appeals."""

    handle_key = models.CharField(max_length=255, editable=False)
    handle = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=MisuseKind.choices)
    reasons = models.TextField(help_text="Shown to the person for a warning or block; internal for a dismissal.")
    unfounded_appeals = models.PositiveIntegerField(help_text="Manifestly unfounded appeals weighed.")
    decided_appeals = models.PositiveIntegerField(help_text="All the holder's appeals decided in the same period.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="When a block ends.")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reasons = models.TextField(blank=True)

    objects = MisuseMeasureQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        permissions = [("decide_misuse", "Can warn or block people who misuse the appeals")]
        indexes = [models.Index(fields=["handle_key", "decided_at"], name="misuse_account_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(reasons=""), name="misuse_has_reasons"),
            models.CheckConstraint(
                # ends_at__isnull=False too: a NULL comparison alone would let the check pass.
                condition=Q(kind=MisuseKind.BLOCK, ends_at__isnull=False, ends_at__gt=models.F("decided_at"))
                | (~Q(kind=MisuseKind.BLOCK) & Q(ends_at__isnull=True)),
                name="misuse_block_has_end",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(kind=MisuseKind.BLOCK, lifted_by__isnull=False),
                name="misuse_only_blocks_lifted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @{self.handle}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.handle_key = handle_key(self.handle)
        super().save(*args, **kwargs)

    @property
    def is_block(self) -> bool:
        return self.kind == MisuseKind.BLOCK
