"""Decision letters, their public verification and the public register under /api/v1/catalog/ (SVC-2, SVC-5,
SUP-5): the same services and the same scoping as the pages.

- `letters/` and `letters/<id>/download/`: the letters of the applications the caller sees; every download
  is audited.
- `verify/<code>/`: anyone checks a letter (throttled; unknown codes are also limited per address).
- `register/`: the public register of approved data uses, without recipients."""

from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import errors
from apps.core.access import client_address
from apps.core.files import file_response

from ..models import DataGrant, DecisionLetter
from ..services import letters as letter_services
from ..services import register as register_services


class PublicReadThrottle(AnonRateThrottle):
    scope = "catalog-public"
    rate = "120/minute"


class VerifyThrottle(AnonRateThrottle):
    """A coarse guard on every lookup; the service also limits unknown codes per address and hour."""

    scope = "catalog-verify"
    rate = "30/minute"


# --- serializers -----------------------------------------------------------------------------------------


class DecisionLetterSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField()
    application_number = serializers.CharField(source="application.number", read_only=True)
    verification_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DecisionLetter
        fields = ["id", "number", "application", "application_number", "kind", "status", "verification_code",
                  "verification_url", "language", "sha256", "signed", "issued_at", "rendered_at", "download_url"]
        read_only_fields = fields

    def get_number(self, letter) -> str:
        return letter_services.letter_number(letter)

    def get_verification_url(self, letter) -> str:
        return letter_services.verification_url(letter.verification_code)

    def get_download_url(self, letter) -> str | None:
        """Where the signed PDF is, once produced."""
        if letter.status != DecisionLetter.Status.READY:
            return None
        url = reverse("api:catalog-letter-download", args=[letter.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class LetterSignatureStatusSerializer(serializers.Serializer):
    signed = serializers.BooleanField()
    intact = serializers.BooleanField()
    valid = serializers.BooleanField()
    trusted = serializers.BooleanField()
    covers_whole_file = serializers.BooleanField()
    ok = serializers.BooleanField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    certificate_fingerprint = serializers.CharField()


class LetterVerificationSerializer(serializers.Serializer):
    """What the public may know of a letter: no person's name."""

    code = serializers.CharField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=DecisionLetter.Kind.choices)
    status = serializers.ChoiceField(choices=DecisionLetter.Status.choices)
    application_number = serializers.CharField()
    applicant = serializers.CharField()
    issuer = serializers.CharField(allow_null=True)
    decided_on = serializers.DateField()
    issued_on = serializers.DateField()
    sha256 = serializers.CharField()
    file_matches = serializers.BooleanField(allow_null=True)
    signature = LetterSignatureStatusSerializer(allow_null=True)


class DataUseRegisterResourceSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    provider = serializers.CharField()


class DataUseRegisterEntrySerializer(serializers.ModelSerializer):
    """One approved data use: grantee institution, resources, purpose, period, state; never recipients."""

    institution = serializers.CharField(source="applicant.name", read_only=True)
    institution_credit_code = serializers.CharField(source="applicant.credit_code", read_only=True, allow_null=True)
    project = serializers.CharField(source="application.title", read_only=True)
    purpose = serializers.CharField(source="application.purpose", read_only=True)
    resources = serializers.SerializerMethodField()

    class Meta:
        model = DataGrant
        fields = ["number", "status", "institution", "institution_credit_code", "project", "purpose", "resources",
                  "starts_on", "ends_on", "created_at"]
        read_only_fields = fields

    @extend_schema_field(DataUseRegisterResourceSerializer(many=True))
    def get_resources(self, grant) -> list[dict]:
        return register_services.resources_of(grant)


# --- letters -----------------------------------------------------------------------------------------------


class LetterListView(generics.ListAPIView):
    """Decision letters of the applications the caller may see (applicant, providers, departments of the
    jurisdiction, recipients and reviewers granted the application)."""

    serializer_class = DecisionLetterSerializer
    queryset = DecisionLetter.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=[
        OpenApiParameter("application", int, required=False, description="Application id"),
        OpenApiParameter("kind", str, required=False, enum=DecisionLetter.Kind.values),
        OpenApiParameter("status", str, required=False, enum=DecisionLetter.Status.values),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DecisionLetter.objects.none()
        rows = letter_services.letters_visible(self.request.user).select_related("application")
        params = self.request.query_params
        application = params.get("application", "")
        if application.isascii() and application.isdigit():
            rows = rows.filter(application_id=int(application))
        if params.get("kind", "") in DecisionLetter.Kind.values:
            rows = rows.filter(kind=params["kind"])
        if params.get("status", "") in DecisionLetter.Status.values:
            rows = rows.filter(status=params["status"])
        return rows.order_by("-issued_at", "-pk")


class LetterDownloadView(APIView):
    """The signed PDF of a produced letter; each download is recorded (SUP-5)."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        letter = letter_services.letters_visible(request.user).select_related("application").filter(pk=pk).first()
        if letter is None or letter.status != DecisionLetter.Status.READY:
            raise errors.NotFound()
        return file_response(letter.file, filename=f"{letter_services.letter_number(letter)}.pdf",
                             content_type="application/pdf", audit_request=request, audit_object=letter)


# --- public ------------------------------------------------------------------------------------------------


class VerifyView(APIView):
    """Anyone checks a decision letter by its verification code (SVC-5): what it is, the SHA-256 of the file
    issued and whether its electronic signature holds. No personal data."""

    permission_classes = [AllowAny]
    throttle_classes = [VerifyThrottle]

    @extend_schema(responses={200: LetterVerificationSerializer})
    def get(self, request, code: str):
        result = letter_services.letter_verify(code, client_key=client_address(request))
        if result is None:
            raise errors.NotFound()
        return Response(LetterVerificationSerializer(result).data)


class RegisterView(generics.ListAPIView):
    """The public register of approved data uses (SVC-5): institution, resources, purpose, period, state."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicReadThrottle]
    serializer_class = DataUseRegisterEntrySerializer
    queryset = DataGrant.objects.none()
    filter_backends: list = []

    @extend_schema(parameters=[
        OpenApiParameter("q", str, required=False, description="Institution name or credit code, resource code or title"),
        OpenApiParameter("year", int, required=False, description="Year of approval"),
        OpenApiParameter("status", str, required=False, enum=DataGrant.Status.values),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataGrant.objects.none()
        return register_services.register_search(self.request.query_params)


urlpatterns = [
    path("letters/", LetterListView.as_view(), name="catalog-letters"),
    path("letters/<int:pk>/download/", LetterDownloadView.as_view(), name="catalog-letter-download"),
    path("verify/<str:code>/", VerifyView.as_view(), name="catalog-verify"),
    path("register/", RegisterView.as_view(), name="catalog-register"),
]
