"""Adoption through the regulatory access port (STD-5, INS-8): institutions declare and withdraw; departments
read the same figures as the monitor pages. Same services, same scoping."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy
from apps.core.api.pagination import NoCountPagination

from ..adoption_selectors import adoption_by_region, adoption_by_standard, institutions_missing
from ..models import AdoptionDeclaration, FrameworkCategory, Standard, normalise_code
from ..services import adoption as adoption_services

VIEW = "standards.view_adoptiondeclaration"


class StandardRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Standard
        fields = ["id", "code", "title", "nature"]
        read_only_fields = fields


class DeclarationSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(read_only=True)
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = AdoptionDeclaration
        fields = ["id", "organisation", "region", "standard", "since", "systems", "status", "declared_at",
                  "withdrawn_at", "evidence_name", "evidence"]
        read_only_fields = fields

    def get_evidence(self, declaration) -> str:
        return reverse("standards:adoption_evidence", args=[declaration.pk]) if declaration.evidence else ""


class DeclareSerializer(serializers.Serializer):
    standard = serializers.CharField(max_length=40, help_text="The standard's code, e.g. WS 363.1-2023.")
    since = serializers.DateField()
    systems = serializers.CharField()
    evidence = serializers.FileField(required=False, help_text="PDF, PNG or JPEG.")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DeclarationListView(generics.ListCreateAPIView):
    """GET: the declarations the caller may see (an institution its own; a department its jurisdiction),
    ?status=active|withdrawn, ?standard=<id>. POST: the caller's institution declares a standard."""

    serializer_class = DeclarationSerializer
    queryset = AdoptionDeclaration.objects.none()
    filterset_fields = ["status", "standard"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AdoptionDeclaration.objects.none()
        return policy.visible(self.request.user, AdoptionDeclaration.objects.select_related("standard"),
                              VIEW).order_by("-declared_at", "-pk")

    @extend_schema(request=DeclareSerializer, responses={201: DeclarationSerializer})
    def post(self, request):
        payload = DeclareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        standard = Standard.objects.filter(code=normalise_code(data["standard"])).first()
        if standard is None:
            raise errors.ValidationFailed(field_errors={"standard": [_("No standard with this code is registered.")]})
        if request.user.organisation is None:
            raise errors.PermissionDenied()
        declaration = adoption_services.adoption_declare(
            organisation=request.user.organisation, standard=standard, since=data["since"], systems=data["systems"],
            evidence_upload=data.get("evidence"), by=request.user)
        body = DeclarationSerializer(declaration).data
        body["replaced"] = [older.pk for older in declaration.replaced]
        return Response(body, status=status.HTTP_201_CREATED)


class WithdrawView(APIView):
    @extend_schema(request=WithdrawSerializer, responses=DeclarationSerializer)
    def post(self, request, pk: int):
        declaration = policy.get_object(request.user, AdoptionDeclaration, VIEW, pk=pk)
        payload = WithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        declaration = adoption_services.adoption_withdraw(declaration=declaration,
                                                          reason=payload.validated_data["reason"], by=request.user)
        return Response(DeclarationSerializer(declaration).data)


class StandardRateSerializer(serializers.Serializer):
    standard = StandardRefSerializer()
    declared = serializers.IntegerField()
    population = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class RegionRateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    declared = serializers.IntegerField()
    population = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class MissingInstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    credit_code = serializers.CharField()
    region = serializers.CharField(source="region_id")


class StatsByStandardView(APIView):
    """Departments (standards.monitor_adoption): adoption per standard in the jurisdiction."""

    @extend_schema(parameters=[
        OpenApiParameter("scope", str, enum=["mandatory", "all"], description="Default: mandatory."),
        OpenApiParameter("category", int)], responses=StandardRateSerializer(many=True))
    def get(self, request):
        category = None
        if (request.query_params.get("category") or "").isdigit():
            category = FrameworkCategory.objects.filter(pk=request.query_params["category"]).first()
        rows = adoption_by_standard(request.user, mandatory_only=request.query_params.get("scope") != "all",
                                    category=category)
        return Response(StandardRateSerializer(rows, many=True).data)


def _standard(request, pk) -> Standard:
    return policy.get_object(request.user, Standard, "standards.view_standard", pk=pk)


class StatsByRegionView(APIView):
    @extend_schema(responses=RegionRateSerializer(many=True))
    def get(self, request, pk: int):
        return Response(RegionRateSerializer(adoption_by_region(request.user, _standard(request, pk)), many=True).data)


class MissingView(generics.ListAPIView):
    """Admitted institutions of the jurisdiction without an active declaration of the standard."""

    serializer_class = MissingInstitutionSerializer
    pagination_class = NoCountPagination
    queryset = AdoptionDeclaration.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AdoptionDeclaration.objects.none()
        return institutions_missing(self.request.user, _standard(self.request, self.kwargs["pk"]))


urlpatterns = [
    path("adoption/", DeclarationListView.as_view(), name="standards-adoption-list"),
    path("adoption/<int:pk>/withdraw/", WithdrawView.as_view(), name="standards-adoption-withdraw"),
    path("adoption/stats/", StatsByStandardView.as_view(), name="standards-adoption-stats"),
    path("adoption/stats/<int:pk>/regions/", StatsByRegionView.as_view(), name="standards-adoption-regions"),
    path("adoption/stats/<int:pk>/missing/", MissingView.as_view(), name="standards-adoption-missing"),
]
