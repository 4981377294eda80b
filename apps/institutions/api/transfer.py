"""Change of responsible entity through the access port (INS-6, INS-8): the same steps as the pages."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import errors, policy

from .. import transfers
from ..models import Institution, ResponsibilityTransfer, TransferItem
from ..services import transfer as transfer_services
from .serializers import InstitutionSummarySerializer

T = ResponsibilityTransfer


class TransferItemSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()

    class Meta:
        model = TransferItem
        fields = ["id", "kind", "kind_label", "object_id", "label", "moved_at"]
        read_only_fields = fields

    def get_kind_label(self, item) -> str:
        return str(transfers.kind_label(item.kind))


class TransferSerializer(serializers.ModelSerializer):
    source = InstitutionSummarySerializer(read_only=True)
    successor = InstitutionSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = T
        fields = ["id", "number", "source", "successor", "department", "reason", "description", "status",
                  "source_confirmed_by", "source_confirmed_at", "successor_confirmed_by", "successor_confirmed_at",
                  "created_by", "created_at", "closed_by", "closed_at"]
        read_only_fields = fields


class TransferOpenSerializer(serializers.Serializer):
    source = serializers.IntegerField(help_text="Id of the institution that hands over.")
    successor = serializers.IntegerField(required=False, allow_null=True,
                                         help_text="Id of the successor; null when the data go to the department.")
    reason = serializers.ChoiceField(choices=T.Reason.choices)
    description = serializers.CharField()


class TransferCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


def _transfer(request, pk) -> T:
    rows = transfer_services.transfers_for(request.user, T.objects.select_related("source", "successor"))
    try:
        return rows.get(pk=pk)
    except T.DoesNotExist:
        raise errors.NotFound() from None


def _detail(request, pk) -> Response:
    return Response(TransferSerializer(_transfer(request, pk)).data)


class TransferListView(generics.ListCreateAPIView):
    """Transfers the caller may see (?status=); POST opens one (department, institutions.manage_transfer)."""

    serializer_class = TransferSerializer
    queryset = T.objects.none()
    filterset_fields = ["status", "reason"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return T.objects.none()
        return transfer_services.transfers_for(
            self.request.user, T.objects.select_related("source", "successor")).order_by("-created_at", "-pk")

    @extend_schema(request=TransferOpenSerializer, responses={201: TransferSerializer})
    def post(self, request):
        payload = TransferOpenSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        source = policy.get_object(request.user, Institution, "institutions.view_institution", pk=data["source"])
        successor = None
        if data.get("successor"):
            successor = Institution.objects.filter(pk=data["successor"]).first()
            if successor is None:
                raise errors.ValidationFailed(field_errors={"successor": [_("No such institution.")]})
        transfer = transfer_services.transfer_open(source=source, successor=successor, reason=data["reason"],
                                                   description=data["description"], by=request.user)
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferItemListView(generics.ListAPIView):
    """What moves (or moved) with the transfer, page by page: a large entity lists many data resources."""

    serializer_class = TransferItemSerializer
    queryset = TransferItem.objects.none()
    filterset_fields = ["kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TransferItem.objects.none()
        return _transfer(self.request, self.kwargs["pk"]).items.order_by("kind", "pk")


class TransferDetailView(APIView):
    @extend_schema(responses=TransferSerializer)
    def get(self, request, pk: int):
        return _detail(request, pk)


class _TransferStep(APIView):
    """POST with no body: one step of the workflow; the answer is the transfer as it now stands."""

    step = None

    @extend_schema(request=None, responses=TransferSerializer)
    def post(self, request, pk: int):
        type(self).step(transfer=_transfer(request, pk), by=request.user)
        return _detail(request, pk)


class TransferRefreshView(_TransferStep):
    step = transfer_services.transfer_refresh_items


class TransferSubmitView(_TransferStep):
    step = transfer_services.transfer_submit


class TransferConfirmView(_TransferStep):
    step = transfer_services.transfer_confirm


class TransferCloseView(_TransferStep):
    step = transfer_services.transfer_close


class TransferCancelView(APIView):
    @extend_schema(request=TransferCancelSerializer, responses=TransferSerializer)
    def post(self, request, pk: int):
        transfer = _transfer(request, pk)
        payload = TransferCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        transfer_services.transfer_cancel(transfer=transfer, reason=payload.validated_data["reason"], by=request.user)
        return _detail(request, pk)


urlpatterns = [
    path("transfers/", TransferListView.as_view(), name="institutions-transfer-list"),
    path("transfers/<int:pk>/", TransferDetailView.as_view(), name="institutions-transfer-detail"),
    path("transfers/<int:pk>/items/", TransferItemListView.as_view(), name="institutions-transfer-items"),
    path("transfers/<int:pk>/refresh/", TransferRefreshView.as_view(), name="institutions-transfer-refresh"),
    path("transfers/<int:pk>/submit/", TransferSubmitView.as_view(), name="institutions-transfer-submit"),
    path("transfers/<int:pk>/confirm/", TransferConfirmView.as_view(), name="institutions-transfer-confirm"),
    path("transfers/<int:pk>/close/", TransferCloseView.as_view(), name="institutions-transfer-close"),
    path("transfers/<int:pk>/cancel/", TransferCancelView.as_view(), name="institutions-transfer-cancel"),
]
