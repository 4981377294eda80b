from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services
from apps.accounts.models import Organisation, User
from apps.core import policy

from .serializers import MemberCreateSerializer, MeSerializer, OrganisationSerializer


class MeView(APIView):
    """Who the caller is: a person in the browser or the machine account of an API token."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class OrganisationListView(generics.ListAPIView):
    """Organisations the caller may see: a department's jurisdiction, or the caller's own."""

    serializer_class = OrganisationSerializer
    filterset_fields = ["kind", "level", "is_active"]
    queryset = Organisation.objects.none()  # for the schema generator

    def get_queryset(self):
        return policy.visible(self.request.user, Organisation.objects.all(),
                              "accounts.view_organisation").order_by("name", "pk")


class OrganisationDetailView(generics.RetrieveAPIView):
    serializer_class = OrganisationSerializer

    def get_object(self):
        return policy.get_object(self.request.user, Organisation, "accounts.view_organisation",
                                 pk=self.kwargs["pk"])


class MemberListCreateView(generics.ListCreateAPIView):
    """Accounts of the caller's organisation; creating one needs the manage-members role."""

    serializer_class = MeSerializer

    queryset = User.objects.none()  # for the schema generator

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        policy.require(self.request.user, "accounts.view_user")
        return User.objects.filter(organisation=self.request.user.organisation_id,
                                   is_machine=False).select_related("organisation").order_by("username")

    @extend_schema(request=MemberCreateSerializer, responses={201: MeSerializer})
    def post(self, request):
        payload = MemberCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_create(organisation=request.user.organisation, by=request.user,
                                    **payload.validated_data)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)
