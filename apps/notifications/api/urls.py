from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.notifications import selectors, services
from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class InboxView(generics.ListAPIView):
    """The caller's notifications, newest first."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema generator

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.inbox(self.request.user)


class MarkReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        row = services.notification_mark_read(notification_id=pk, by=request.user)
        return Response(NotificationSerializer(row).data)


urlpatterns = [
    path("notifications/", InboxView.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", MarkReadView.as_view(), name="notification-read"),
]
