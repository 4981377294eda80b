"""Registration and admission through the regulatory access port (INS-1, INS-2, INS-8)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import errors, policy

from ..models import AdmissionApplication, Institution
from ..services import admission as admission_services
from ..services.registry import PROFILE_FIELDS
from .serializers import (
    AdmissionApplicationSerializer,
    AdmissionDecisionSerializer,
    ApplicationInputSerializer,
    ProfileInputSerializer,
    RegistrationSerializer,
    documents_from,
)

ACCOUNT_FIELDS = ("username", "full_name", "identity_number", "email", "mobile", "password")


class RegistrationThrottle(AnonRateThrottle):
    rate = "5/hour"
    scope = "institution-registration"


class RegisterView(APIView):
    """Public sign-up: applicant account, institution profile and admission application in one request."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegistrationThrottle]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=RegistrationSerializer, responses={201: AdmissionApplicationSerializer})
    def post(self, request):
        payload = RegistrationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        application = admission_services.admission_register(
            account={name: data.get(name, "") for name in ACCOUNT_FIELDS},
            profile={name: data[name] for name in PROFILE_FIELDS if name in data},
            purpose=data.get("purpose", ""), documents=documents_from(data))
        return Response(AdmissionApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class AdmissionListView(generics.ListAPIView):
    """Applications the caller may see; ?status=submitted|returned|approved|refused."""

    serializer_class = AdmissionApplicationSerializer
    queryset = AdmissionApplication.objects.none()
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AdmissionApplication.objects.none()
        return policy.visible(
            self.request.user,
            AdmissionApplication.objects.select_related("institution").prefetch_related("documents"),
            "institutions.view_admissionapplication").order_by("due_on", "submitted_at", "pk")


def _application(request, pk) -> AdmissionApplication:
    return policy.get_object(request.user, AdmissionApplication.objects.select_related("institution"),
                             "institutions.view_admissionapplication", pk=pk)


class AdmissionDetailView(APIView):
    @extend_schema(responses=AdmissionApplicationSerializer)
    def get(self, request, pk: int):
        return Response(AdmissionApplicationSerializer(_application(request, pk)).data)


class AdmissionDecideView(APIView):
    @extend_schema(request=AdmissionDecisionSerializer, responses=AdmissionApplicationSerializer)
    def post(self, request, pk: int):
        application = _application(request, pk)
        payload = AdmissionDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        service = {"approve": admission_services.admission_approve, "return": admission_services.admission_return,
                   "refuse": admission_services.admission_refuse}[payload.validated_data["action"]]
        application = service(application=application, by=request.user, comment=payload.validated_data["comment"])
        return Response(AdmissionApplicationSerializer(application).data)


class AdmissionResubmitView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ApplicationInputSerializer, responses=AdmissionApplicationSerializer)
    def post(self, request, pk: int):
        """Profile fields, `purpose` and replacement documents (document_<kind>) are all optional."""
        application = _application(request, pk)
        profile = ProfileInputSerializer(data=request.data, partial=True)
        profile.is_valid(raise_exception=True)
        payload = ApplicationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application = admission_services.admission_resubmit(
            application=application, by=request.user, profile=dict(profile.validated_data) or None,
            purpose=payload.validated_data.get("purpose"), documents=documents_from(payload.validated_data))
        return Response(AdmissionApplicationSerializer(application).data)


class AdmissionReapplyView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ApplicationInputSerializer, responses={201: AdmissionApplicationSerializer})
    def post(self, request):
        institution = Institution.objects.filter(pk=request.user.organisation_id).first()
        if institution is None:
            raise errors.NotFound()
        payload = ApplicationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        application = admission_services.admission_reapply(
            institution=institution, purpose=payload.validated_data.get("purpose", ""),
            documents=documents_from(payload.validated_data), by=request.user)
        return Response(AdmissionApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("register/", RegisterView.as_view(), name="institutions-register"),
    path("admission/", AdmissionListView.as_view(), name="institutions-admission-list"),
    path("admission/apply-again/", AdmissionReapplyView.as_view(), name="institutions-admission-reapply"),
    path("admission/<int:pk>/", AdmissionDetailView.as_view(), name="institutions-admission-detail"),
    path("admission/<int:pk>/decide/", AdmissionDecideView.as_view(), name="institutions-admission-decide"),
    path("admission/<int:pk>/resubmit/", AdmissionResubmitView.as_view(), name="institutions-admission-resubmit"),
]
