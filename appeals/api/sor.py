"""GET /api/v1/suspensions/{id}/sor/: one suspension as the statement of reasons the platform submits to the EU DSA
Transparency Database (appeals.sor builds it; the serializer here only describes it in the OpenAPI schema)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.choices import (
    EEA_COUNTRIES,
    AccountType,
    AutomatedDecision,
    Category,
    ContentType,
    DecisionAccount,
    DecisionGround,
    Keyword,
    SourceType,
)
from appeals.models import Suspension
from appeals.sor import StatementIncomplete, YesNo, statement_of_reasons
from portal.integrations.models import Scope


class StatementOfReasonsSerializer(serializers.Serializer[dict[str, object]]):
    """A statement in the Transparency Database's format. Optional fields are absent when empty."""

    decision_account = serializers.ChoiceField(choices=DecisionAccount.choices)
    end_date_account_restriction = serializers.DateField(
        required=False, help_text="YYYY-MM-DD; absent when indefinite."
    )
    account_type = serializers.ChoiceField(
        choices=AccountType.choices, required=False, help_text="Absent when not known."
    )
    decision_ground = serializers.ChoiceField(choices=DecisionGround.choices)
    illegal_content_legal_ground = serializers.CharField(
        required=False, help_text="With DECISION_GROUND_ILLEGAL_CONTENT only."
    )
    illegal_content_explanation = serializers.CharField(
        required=False, help_text="With DECISION_GROUND_ILLEGAL_CONTENT only."
    )
    incompatible_content_ground = serializers.CharField(
        required=False, help_text="With DECISION_GROUND_INCOMPATIBLE_CONTENT only."
    )
    incompatible_content_explanation = serializers.CharField(
        required=False, help_text="With DECISION_GROUND_INCOMPATIBLE_CONTENT only."
    )
    incompatible_content_illegal = serializers.ChoiceField(
        choices=YesNo.choices,
        required=False,
        help_text="With DECISION_GROUND_INCOMPATIBLE_CONTENT, when the platform said.",
    )
    content_type = serializers.ListField(child=serializers.ChoiceField(choices=ContentType.choices))
    category = serializers.ChoiceField(choices=Category.choices)
    category_specification = serializers.ListField(
        child=serializers.ChoiceField(choices=Keyword.choices), required=False, help_text="Absent when none."
    )
    territorial_scope = serializers.ListField(child=serializers.ChoiceField(choices=EEA_COUNTRIES))
    content_date = serializers.DateField()
    application_date = serializers.DateField()
    decision_facts = serializers.CharField()
    source_type = serializers.ChoiceField(choices=SourceType.choices)
    source_identity = serializers.CharField(required=False, help_text="Never with SOURCE_VOLUNTARY.")
    automated_detection = serializers.ChoiceField(choices=YesNo.choices)
    automated_decision = serializers.ChoiceField(choices=AutomatedDecision.choices)
    puid = serializers.CharField()


class StatementOfReasonsView(APIView):
    read_scope = Scope.APPEALS_READ

    @extend_schema(
        summary="A suspension's statement of reasons",
        description="The suspension as a statement for the EU DSA Transparency Database, in its submission format "
        "(https://transparency.dsa.ec.europa.eu/page/api-documentation). 409 when the statement breaks one of the "
        "database's rules (a required field missing, a text too long, a date out of range...): `errors` names each "
        "field with its reasons.",
        responses={
            200: OpenApiResponse(StatementOfReasonsSerializer, description="The statement, ready to submit."),
            # The Error component and the other error responses come from portal.integrations.schema.
            409: OpenApiResponse(
                {"$ref": "#/components/schemas/Error"},
                description="The Transparency Database would refuse the statement; `errors` names each field.",
            ),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        suspension = Suspension.objects.filter(pk=pk).first()
        if suspension is None:
            raise NotFound("There is no suspension with this id.")
        try:
            return Response(statement_of_reasons(suspension))
        except StatementIncomplete as refusal:
            return Response(
                {
                    "detail": "The Transparency Database would refuse this statement: it lacks what it requires.",
                    "code": "incomplete_statement",
                    "errors": refusal.errors,
                },
                status=409,
            )
