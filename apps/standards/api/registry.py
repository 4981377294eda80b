"""Registry and proposal endpoints (STD-1, STD-2, STD-8) under /api/v1/standards/.

- `""` and `<pk>/`: the registry for signed-in users holding standards.view_standard (shared reference data:
  every row); create and update through the registry services (standards officers).
- `public/` and `public/<pk>/`: what anyone may read, without signing in (issued standards and drafts in
  public comment), throttled.
- `public/proposals/`: anyone proposes (throttled here, and rate-limited per address and e-mail by the
  service); `proposals/...`: the officers' list and decision."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core import errors, policy

from ..models import PUBLIC_STATUSES, Standard, StandardProposal
from ..services import proposals as proposal_services
from ..services import registry as registry_services
from ..views.registry_forms import standard_search
from .registry_serializers import (
    ProposalDecisionSerializer,
    ProposalInputSerializer,
    ProposalReceiptSerializer,
    ProposalSerializer,
    StandardInputSerializer,
    StandardSerializer,
    TextUploadSerializer,
)

VIEW = "standards.view_standard"
VIEW_PROPOSAL = "standards.view_standardproposal"
SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Code or title fragment"),
    OpenApiParameter("category", str, description="Framework category code; includes its sub-categories"),
    OpenApiParameter("nature", str, enum=Standard.Nature.values),
    OpenApiParameter("level", str, enum=Standard.Level.values),
    OpenApiParameter("status", str, enum=Standard.Status.values),
]


class PublicReadThrottle(AnonRateThrottle):
    scope = "standards-public"
    rate = "120/minute"


class ProposalThrottle(AnonRateThrottle):
    """A coarse guard counting every attempt; the service's limits count submitted proposals."""

    scope = "standards-proposal"
    rate = "30/hour"


def _rows():
    return Standard.objects.select_related("category", "supersedes", "responsible_department")


class StandardListView(generics.ListAPIView):
    """The registry (signed-in users with the view permission); POST registers a standard."""

    serializer_class = StandardSerializer
    queryset = Standard.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Standard.objects.none()
        policy.require(self.request.user, VIEW)
        return standard_search(policy.visible(self.request.user, _rows(), VIEW),
                               self.request.query_params).order_by("code", "pk")

    @extend_schema(parameters=SEARCH_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=StandardInputSerializer, responses={201: StandardSerializer})
    def post(self, request):
        payload = StandardInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        standard = registry_services.standard_create(data=payload.service_data(), by=request.user,
                                                     status=payload.validated_data["status"])
        return Response(StandardSerializer(standard).data, status=status.HTTP_201_CREATED)


def _standard(request, pk: int) -> Standard:
    return policy.get_object(request.user, _rows(), VIEW, pk=pk)


class StandardDetailView(APIView):
    @extend_schema(responses=StandardSerializer)
    def get(self, request, pk: int):
        return Response(StandardSerializer(_standard(request, pk)).data)

    @extend_schema(request=StandardInputSerializer, responses=StandardSerializer)
    def patch(self, request, pk: int):
        """Correct registry data; only the fields sent change (the status never does here)."""
        standard = _standard(request, pk)
        payload = StandardInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        standard = registry_services.standard_update(standard=standard, data=payload.service_data(),
                                                     by=request.user)
        return Response(StandardSerializer(_standard(request, standard.pk)).data)


class StandardTextUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=TextUploadSerializer, responses=StandardSerializer)
    def post(self, request, pk: int):
        """Attach the text as a PDF (multipart field `text`)."""
        standard = _standard(request, pk)
        payload = TextUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        standard = registry_services.standard_text_upload(standard=standard, upload=payload.validated_data["text"],
                                                          by=request.user)
        return Response(StandardSerializer(standard).data)


class PublicStandardListView(generics.ListAPIView):
    """Issued standards and drafts in public comment, for anyone."""

    serializer_class = StandardSerializer
    queryset = Standard.objects.none()
    permission_classes = [AllowAny]
    throttle_classes = [PublicReadThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Standard.objects.none()
        return standard_search(_rows().filter(status__in=PUBLIC_STATUSES),
                               self.request.query_params).order_by("code", "pk")

    @extend_schema(parameters=SEARCH_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PublicStandardDetailView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [PublicReadThrottle]

    @extend_schema(responses=StandardSerializer)
    def get(self, request, pk: int):
        standard = _rows().filter(status__in=PUBLIC_STATUSES, pk=pk).first()
        if standard is None:
            raise errors.NotFound()
        return Response(StandardSerializer(standard).data)


class ProposalSubmitView(APIView):
    """Anyone proposes a new standard or a revision (STD-2); signed-in callers need not repeat name and e-mail."""

    permission_classes = [AllowAny]
    throttle_classes = [ProposalThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=ProposalInputSerializer, responses={201: ProposalReceiptSerializer})
    def post(self, request):
        payload = ProposalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        proposal = proposal_services.proposal_submit(data=dict(payload.validated_data), by=user,
                                                     client_key=AnonRateThrottle().get_ident(request))
        return Response(ProposalReceiptSerializer(proposal).data, status=status.HTTP_201_CREATED)


class ProposalListView(generics.ListAPIView):
    """Proposals for the officers; ?status=submitted|accepted|rejected, ?kind=new|revision."""

    serializer_class = ProposalSerializer
    queryset = StandardProposal.objects.none()
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StandardProposal.objects.none()
        policy.require(self.request.user, VIEW_PROPOSAL)
        return policy.visible(self.request.user, StandardProposal.objects.select_related(
            "target", "project", "category"), VIEW_PROPOSAL).order_by("-submitted_at", "-pk")


def _proposal(request, pk: int) -> StandardProposal:
    return policy.get_object(request.user, StandardProposal.objects.select_related("target", "project", "category"),
                             VIEW_PROPOSAL, pk=pk)


class ProposalDetailView(APIView):
    @extend_schema(responses=ProposalSerializer)
    def get(self, request, pk: int):
        return Response(ProposalSerializer(_proposal(request, pk)).data)


class ProposalDecideView(APIView):
    @extend_schema(request=ProposalDecisionSerializer, responses=ProposalSerializer)
    def post(self, request, pk: int):
        """Accept (registers the project; a revision starts the revision) or reject with reasons."""
        proposal = _proposal(request, pk)
        payload = ProposalDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = proposal_services.proposal_decide(
            proposal=proposal, accept=payload.validated_data["decision"] == "accept",
            reason=payload.validated_data["reason"], by=request.user, project_data=payload.project_data())
        return Response(ProposalSerializer(proposal).data)


urlpatterns = [
    path("", StandardListView.as_view(), name="standards-list"),
    path("<int:pk>/", StandardDetailView.as_view(), name="standards-detail"),
    path("<int:pk>/text/", StandardTextUploadView.as_view(), name="standards-text-upload"),
    path("public/", PublicStandardListView.as_view(), name="standards-public-list"),
    path("public/<int:pk>/", PublicStandardDetailView.as_view(), name="standards-public-detail"),
    path("public/proposals/", ProposalSubmitView.as_view(), name="standards-proposal-submit"),
    path("proposals/", ProposalListView.as_view(), name="standards-proposal-list"),
    path("proposals/<int:pk>/", ProposalDetailView.as_view(), name="standards-proposal-detail"),
    path("proposals/<int:pk>/decide/", ProposalDecideView.as_view(), name="standards-proposal-decide"),
]
