from .models import Notification


def unread_count(user) -> int:
    """Served by a partial index on unread rows; cheap enough for every page."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
