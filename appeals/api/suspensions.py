"""/api/v1/suspensions/: the platform sends its statements of reasons and reports the notices it sent; the platform
and staff read them back with their notices and appeals."""

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from appeals.api.pagination import IdCursorPagination
from appeals.api.suspension_serializers import (
    IngestRefusalSerializer,
    IngestReportSerializer,
    NoticeInSerializer,
    NoticeReceiptSerializer,
    NoticeSerializer,
    NoticeStatusSerializer,
    StatementSerializer,
    SuspensionDetailSerializer,
    SuspensionSerializer,
    ingest_report,
    statement_from,
)
from appeals.filters import SuspensionFilter
from appeals.models import Appeal, Decision, Suspension
from appeals.suspensions import IngestOutcome, Statement, notice_record, notice_update_status, suspensions_ingest_batch
from portal.integrations.api_access import api_actor
from portal.integrations.api_errors import RequestTooLarge
from portal.integrations.models import Scope

SERIALIZERS: dict[str, type[serializers.BaseSerializer[Any]]] = {
    "create": StatementSerializer,
    "retrieve": SuspensionDetailSerializer,
    "notice": NoticeStatusSerializer,
}
EXAMPLE_STATEMENT = {
    "puid": "sor-2026-11-000123",
    "handle": "jo_example",
    "account_email": "jo@example.org",
    "wave": "2026-11-terror-sweep",
    "decision_account": "DECISION_ACCOUNT_SUSPENDED",
    "application_date": "2026-11-02",
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "incompatible_content_ground": "Community rules §4: violent extremism",
    "incompatible_content_explanation": "Posts shared material from a designated group.",
    "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
    "decision_facts": "Three posts on 2 November quoted a banned group's slogan.",
    "source_type": "SOURCE_VOLUNTARY",
    "automated_detection": "Yes",
    "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
    "territorial_scope": ["DE", "FR"],
    "content_type": ["CONTENT_TYPE_TEXT"],
}

INGEST_DESCRIPTION = f"""Send one statement of reasons (a JSON object) or a batch (a JSON array of 1 to
{settings.API_BATCH_MAX} of them). Fields keep the EU DSA Transparency Database's names and values;
`automated_detection` and `incompatible_content_illegal` take "Yes"/"No" or true/false, dates take YYYY-MM-DD
(midnight UTC) or an ISO 8601 date and time. Recourse's own fields: `handle` (required), `account_email`, `wave`,
`detection_rule`, `content_description`, `account_type`.

Idempotent by `puid`: sending a statement again changes nothing ("unchanged"); a corrected resend changes the fields
it carries ("updated", audited with their names); fields left out keep what is stored. Each item is taken on its own,
so one bad item never loses the rest: the answer lists, per item in order, its `outcome` (created, updated, unchanged,
rejected), Recourse's `id`, and for a rejected item its field `errors`. A puid that appears twice in one batch is
taken in order, as two requests would be.

A batch answers 200 whatever its items' outcomes. A single statement answers 201 when created, 200 when updated or
unchanged, and 400 when rejected (with `detail`, `code` and `errors` like every other error). A batch over the limit
is refused whole with 413; an empty one with 400."""


@extend_schema_view(
    list=extend_schema(
        summary="List suspensions",
        description="Suspensions in the order Recourse received them, 100 a page (`page_size` up to 1000). Follow "
        "`next` to page on; filter with the query parameters. `updated_after` with the time of your last sync "
        "gives what changed since.",
    ),
    retrieve=extend_schema(
        summary="Read one suspension",
        description="The stored statement, whether and when the account holder was informed, the appeal deadline, "
        "the notices reported on it and its appeals with their outcome.",
    ),
)
class SuspensionViewSet(viewsets.ReadOnlyModelViewSet[Suspension]):
    queryset = Suspension.objects.select_related("wave")
    serializer_class = SuspensionSerializer
    filterset_class = SuspensionFilter
    pagination_class = IdCursorPagination
    lookup_value_regex = r"\d+"
    read_scope = Scope.APPEALS_READ
    write_scope = Scope.SUSPENSIONS_WRITE

    def get_queryset(self) -> QuerySet[Suspension]:
        if self.action != "retrieve":
            return self.queryset
        final = Prefetch(
            "decisions", queryset=Decision.objects.filter(state=Decision.State.FINAL), to_attr="final_decisions"
        )
        appeals = Appeal.objects.order_by("filed_at", "id").prefetch_related(final)
        return self.queryset.prefetch_related("notices", Prefetch("appeals", queryset=appeals))

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        """What each action reads or writes; also what OPTIONS and the browsable API describe."""
        if self.action == "notices":
            return NoticeInSerializer if self.request.method == "POST" else NoticeSerializer
        return SERIALIZERS.get(self.action, SuspensionSerializer)

    @extend_schema(
        summary="Send statements of reasons",
        description=INGEST_DESCRIPTION,
        request=PolymorphicProxySerializer(
            component_name="StatementOrBatch",
            serializers=[StatementSerializer, StatementSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            200: OpenApiResponse(IngestReportSerializer, "A batch, or a single statement updated or unchanged."),
            201: OpenApiResponse(IngestReportSerializer, "A single statement, created."),
            400: OpenApiResponse(
                IngestRefusalSerializer,
                "The body is not a statement or a batch, the batch is empty, or the single statement was rejected.",
            ),
            413: OpenApiResponse(description=f"More than {settings.API_BATCH_MAX} statements, or too many bytes."),
        },
        examples=[OpenApiExample("One statement", value=EXAMPLE_STATEMENT, request_only=True)],
    )
    def create(self, request: Request) -> Response:
        checker = StatementSerializer()
        checked = [statement_from(item, checker) for item in _items(request.data)]
        statements = [item for item in checked if isinstance(item, Statement)]
        ingested = iter(suspensions_ingest_batch(actor=api_actor(request), statements=statements))
        report = ingest_report([next(ingested) if isinstance(item, Statement) else item for item in checked])
        return Response(report) if isinstance(request.data, list) else _single(report)

    @extend_schema(
        methods=["GET"],
        summary="List a suspension's notices",
        description="Every attempt to tell the account holder, by the platform or by Recourse, in the order recorded.",
        responses=NoticeSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Report a notice sent",
        description="Report one attempt to tell the account holder about this suspension: the channel, the address, "
        "and whether it was delivered. The first delivered notice starts the appeal window, so the answer shows "
        "whether the account holder now counts as informed. `sent_at` may not lie in the future, nor more than a "
        "day before the suspension's application_date; an email notice needs a valid address.",
        request=NoticeInSerializer,
        responses={201: NoticeReceiptSerializer},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def notices(self, request: Request, pk: str) -> Response:
        suspension = self.get_object()
        if request.method == "GET":
            pages = IdCursorPagination()
            page = pages.paginate_queryset(suspension.notices.all(), request, view=self)
            return pages.get_paginated_response(NoticeSerializer(page, many=True).data)
        serializer = NoticeInSerializer(data=request.data, context={"suspension": suspension})
        serializer.is_valid(raise_exception=True)
        notice = notice_record(actor=api_actor(request), suspension=suspension, **serializer.validated_data)
        return Response(NoticeReceiptSerializer(notice).data, status=201)

    @extend_schema(
        summary="Report a notice's delivery",
        description="A later report on a notice the platform sent: delivered, bounced or failed. A bounce of the only "
        "delivered notice makes the account holder uninformed again. Notices Recourse sent are reported by Recourse's "
        "mail provider and cannot be changed here (403).",
        parameters=[OpenApiParameter("notice_id", int, OpenApiParameter.PATH, description="The notice's id.")],
        request=NoticeStatusSerializer,
        responses={200: NoticeReceiptSerializer},
    )
    @action(
        detail=True, methods=["patch"], url_path=r"notices/(?P<notice_id>\d+)", url_name="notice", filter_backends=[]
    )
    def notice(self, request: Request, pk: str, notice_id: str) -> Response:
        notice = get_object_or_404(self.get_object().notices, pk=notice_id)
        if notice.sent_by_recourse:
            raise exceptions.PermissionDenied(
                "Recourse sent this notice; its delivery is reported by its mail provider."
            )
        serializer = NoticeStatusSerializer(data=request.data, context={"notice": notice})
        serializer.is_valid(raise_exception=True)
        notice = notice_update_status(actor=api_actor(request), notice=notice, **serializer.validated_data)
        return Response(NoticeReceiptSerializer(notice).data)


def _items(body: Any) -> list[Any]:
    if isinstance(body, dict):
        return [body]
    if not isinstance(body, list):
        raise exceptions.ValidationError(
            {"non_field_errors": ["Send one statement (a JSON object) or a batch (a JSON array of statements)."]}
        )
    if not body:
        raise exceptions.ValidationError({"non_field_errors": ["The batch is empty: send at least one statement."]})
    if len(body) > settings.API_BATCH_MAX:
        raise RequestTooLarge(
            f"A batch holds at most {settings.API_BATCH_MAX} statements; this one has {len(body)}. "
            "Send them in smaller batches."
        )
    return body


def _single(report: dict[str, Any]) -> Response:
    result = report["results"][0]
    if result["outcome"] == IngestOutcome.REJECTED:
        refusal = {"detail": "The statement has invalid fields.", "code": "invalid", "errors": result["errors"]}
        return Response({**refusal, **report}, status=400)
    return Response(report, status=201 if result["outcome"] == IngestOutcome.CREATED else 200)
