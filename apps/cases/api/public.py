"""Disclosed decisions and the verification of decision letters under /api/v1/cases/ (SUP-3, SUP-5, M.35), no
sign-in: the same reads as the public pages.

- `public/` (GET): disclosed decisions in force, newest first; `region`, `measure`, `year`, `q` filters.
- `public/<number>/` (GET): one of them, with the verification code's hint and, when the decision discloses
  them, the names and positions of the persons named in a disciplinary measure.
- `verify/` (POST: `code`, or a multipart `file`) and `verify/<code>/` (GET): anyone checks a decision letter;
  unknown codes and files are limited per address. No personal data."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import errors
from apps.core.access import client_address
from apps.inspections.api.reports import SignatureStatusSerializer
from apps.inspections.services.reports import verification_upload_read

from ..ladder import Measure
from ..models import Decision
from ..services import letters as letter_services


class PublicReadThrottle(AnonRateThrottle):
    scope = "cases-public"
    rate = "120/minute"


class VerifyThrottle(AnonRateThrottle):
    """A coarse guard on every lookup; the service also limits unknown codes and files per address and hour."""

    scope = "cases-verify"
    rate = "30/minute"


# --- serializers -----------------------------------------------------------------------------------------


class CasePublicMeasureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Measure.choices)
    label = serializers.CharField()


class CasePublicArticleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class CasePublicPersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    position = serializers.CharField()


class CasePublicDecisionSerializer(serializers.Serializer):
    """What anyone may read of a disclosed decision: never the facts, reasons, defence or officers."""

    number = serializers.CharField()
    decided_on = serializers.DateField()
    department = serializers.CharField()
    institution = serializers.CharField()
    institution_name_en = serializers.CharField()
    credit_code = serializers.CharField()
    region = serializers.CharField()
    measures = CasePublicMeasureSerializer(many=True)
    articles = CasePublicArticleSerializer(many=True)
    public_summary = serializers.CharField()


class CasePublicDecisionDetailSerializer(CasePublicDecisionSerializer):
    code_hint = serializers.CharField(help_text="The verification code's first group; the rest masked.")
    persons = CasePublicPersonSerializer(many=True, help_text="Only when the decision discloses them; else empty.")


class CaseLetterVerificationSerializer(serializers.Serializer):
    """What the public may know of a decision letter: no person's name. `genuine`: the file is the one issued
    and the department's signature holds; `unchanged`: its bytes are those issued (None while not produced)."""

    source = serializers.ChoiceField(choices=["code", "file"])
    genuine = serializers.BooleanField()
    unchanged = serializers.BooleanField(allow_null=True)
    file_matches = serializers.BooleanField(allow_null=True)
    code = serializers.CharField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Decision.LetterStatus.choices, help_text="The letter's status.")
    decision_status = serializers.ChoiceField(choices=Decision.Status.choices)
    institution = serializers.CharField()
    department = serializers.CharField()
    decided_on = serializers.DateField()
    produced_on = serializers.DateField(allow_null=True)
    page_count = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    uploaded_sha256 = serializers.CharField()
    signature = SignatureStatusSerializer(allow_null=True)


# --- disclosed decisions ---------------------------------------------------------------------------------

_FILTERS = [
    OpenApiParameter("region", OpenApiTypes.STR, description="Region code (350000, 350100, 350102) or prefix."),
    OpenApiParameter("measure", OpenApiTypes.STR, enum=Measure.values),
    OpenApiParameter("year", OpenApiTypes.INT, description="Year of the decision."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Fragment of the institution's name."),
]


class PublicDecisionListView(generics.ListAPIView):
    """Disclosed decisions in force, newest first; quashed or remitted decisions are not listed."""

    serializer_class = CasePublicDecisionSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicReadThrottle]
    queryset = Decision.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Decision.objects.none()
        return letter_services.public_decisions(params=self.request.query_params)

    @extend_schema(parameters=_FILTERS)
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = [letter_services.public_decision_facts(decision) for decision in page]
        return self.get_paginated_response(CasePublicDecisionSerializer(rows, many=True).data)


class PublicDecisionView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicReadThrottle]

    @extend_schema(responses={200: CasePublicDecisionDetailSerializer, 404: OpenApiResponse(description="Not disclosed")})
    def get(self, request, number: str):
        """One disclosed decision in force; 404 for any other number."""
        decision = letter_services.public_decision_get(number)
        return Response(CasePublicDecisionDetailSerializer(
            letter_services.public_decision_facts(decision, detail=True)).data)


# --- verification ------------------------------------------------------------------------------------------


class VerifyView(APIView):
    """Anyone checks a decision letter (SUP-5) by its verification code or by uploading the PDF (multipart
    `file`, at most 20 MB): which decision it is, whether the file is the one issued and unchanged, whether the
    department's signature holds. No personal data. 404 when no letter matches."""

    permission_classes = [AllowAny]
    throttle_classes = [VerifyThrottle]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("CaseDecisionLetterVerifyUpload", {
            "code": serializers.CharField(required=False), "file": serializers.FileField(required=False)})},
        responses={200: CaseLetterVerificationSerializer, 404: OpenApiResponse(description="No letter matches")})
    def post(self, request):
        upload = request.FILES.get("file")
        client = client_address(request)
        if upload is not None:
            result = letter_services.letter_verify(content=verification_upload_read(upload), client_key=client)
        else:
            code = request.data.get("code") if hasattr(request.data, "get") else None
            if not letter_services.normalise_code(code if isinstance(code, str) else ""):
                raise errors.ValidationFailed(field_errors={
                    "code": [_("Send the verification code, or the decision letter's PDF file as “file”.")]})
            result = letter_services.letter_verify(code=code, client_key=client)
        if result is None:
            raise errors.NotFound()
        return Response(CaseLetterVerificationSerializer(result).data)


class VerifyCodeView(APIView):
    """Anyone checks a decision letter by its verification code (GET)."""

    permission_classes = [AllowAny]
    throttle_classes = [VerifyThrottle]

    @extend_schema(responses={200: CaseLetterVerificationSerializer, 404: OpenApiResponse(description="Unknown code")})
    def get(self, request, code: str):
        result = letter_services.letter_verify(code=code, client_key=client_address(request))
        if result is None:
            raise errors.NotFound()
        return Response(CaseLetterVerificationSerializer(result).data)


urlpatterns = [
    path("public/", PublicDecisionListView.as_view(), name="cases-public-list"),
    path("public/<str:number>/", PublicDecisionView.as_view(), name="cases-public-detail"),
    path("verify/", VerifyView.as_view(), name="cases-verify"),
    path("verify/<str:code>/", VerifyCodeView.as_view(), name="cases-verify-code"),
]
