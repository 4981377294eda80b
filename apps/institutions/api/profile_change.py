"""Profile change proposals through the access port (INS-1, INS-8): institutions propose, departments decide."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from ..models import Institution, ProfileChange
from ..services import profile_change as change_services
from .serializers import InstitutionSummarySerializer

P = ProfileChange


class ProfileChangeSerializer(serializers.ModelSerializer):
    institution = InstitutionSummarySerializer(read_only=True)

    class Meta:
        model = P
        fields = ["id", "institution", "changes", "previous", "reason", "status", "submitted_by", "submitted_at",
                  "decided_by", "decided_at", "decision_comment"]
        read_only_fields = fields


class ProposeSerializer(serializers.Serializer):
    changes = serializers.DictField(child=serializers.CharField(allow_blank=True), allow_empty=False,
                                    help_text="Profile field -> proposed value (credit_code and region excluded).")
    reason = serializers.CharField()


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ProfileChangeListView(generics.ListCreateAPIView):
    """Proposals the caller may see (?status=). POST proposes changes to the caller's own institution."""

    serializer_class = ProfileChangeSerializer
    queryset = P.objects.none()
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return P.objects.none()
        return policy.visible(self.request.user, P.objects.select_related("institution"),
                              "institutions.view_profilechange").order_by("-submitted_at", "-pk")

    @extend_schema(request=ProposeSerializer, responses={201: ProfileChangeSerializer})
    def post(self, request):
        institution = Institution.objects.filter(pk=request.user.organisation_id).first()
        if institution is None:
            raise errors.NotFound()
        payload = ProposeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = change_services.profile_change_propose(
            institution=institution, changes=payload.validated_data["changes"],
            reason=payload.validated_data["reason"], by=request.user)
        return Response(ProfileChangeSerializer(change).data, status=status.HTTP_201_CREATED)


def _change(request, pk) -> P:
    return policy.get_object(request.user, P.objects.select_related("institution"),
                             "institutions.view_profilechange", pk=pk)


class ProfileChangeDetailView(APIView):
    @extend_schema(responses=ProfileChangeSerializer)
    def get(self, request, pk: int):
        return Response(ProfileChangeSerializer(_change(request, pk)).data)


class ProfileChangeDecideView(APIView):
    @extend_schema(request=DecideSerializer, responses=ProfileChangeSerializer)
    def post(self, request, pk: int):
        change = _change(request, pk)
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = change_services.profile_change_decide(change=change, by=request.user, **payload.validated_data)
        return Response(ProfileChangeSerializer(change).data)


class ProfileChangeWithdrawView(APIView):
    @extend_schema(request=None, responses=ProfileChangeSerializer)
    def post(self, request, pk: int):
        change = change_services.profile_change_withdraw(change=_change(request, pk), by=request.user)
        return Response(ProfileChangeSerializer(change).data)


urlpatterns = [
    path("profile-changes/", ProfileChangeListView.as_view(), name="institutions-profile-change-list"),
    path("profile-changes/<int:pk>/", ProfileChangeDetailView.as_view(), name="institutions-profile-change-detail"),
    path("profile-changes/<int:pk>/decide/", ProfileChangeDecideView.as_view(),
         name="institutions-profile-change-decide"),
    path("profile-changes/<int:pk>/withdraw/", ProfileChangeWithdrawView.as_view(),
         name="institutions-profile-change-withdraw"),
]
