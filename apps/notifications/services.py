"""Notifications every app sends: an inbox row now, an e-mail copy by a task after commit.

Other apps call `notify(...)` inside their own transaction; if that transaction rolls back, neither the
inbox row nor the e-mail exists."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core import errors

from .models import Notification

MAX_EMAIL_ATTEMPTS = 5


def notify(*, recipients: Iterable, title: str, body: str = "", url: str = "", email: bool = True) -> list[Notification]:
    """Put a message in each recipient's inbox and, after commit, e-mail those who have an address."""
    from .tasks import send_notification_email

    people = [user for user in recipients if user is not None and not user.is_machine and user.is_active]
    rows = Notification.objects.bulk_create([
        Notification(
            recipient=user, title=title[:200], body=body, url=url,
            email_state=Notification.EmailState.PENDING if (email and user.email)
            else Notification.EmailState.NOT_REQUESTED,
        )
        for user in people
    ])
    for row in rows:
        if row.email_state == Notification.EmailState.PENDING:
            send_notification_email.delay_on_commit(row.pk)
    return rows


@transaction.atomic
def notification_mark_read(*, notification_id: int, by) -> Notification:
    row = Notification.objects.select_for_update().filter(pk=notification_id, recipient=by).first()
    if row is None:
        raise errors.NotFound()
    if row.read_at is None:
        row.read_at = timezone.now()
        row.save(update_fields=["read_at"])
    return row


def notifications_mark_all_read(*, by) -> int:
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(read_at=timezone.now())


def notification_email_send(*, notification_id: int) -> str:
    """Send the e-mail copy once. Idempotent: a redelivered task finds the row already sent.

    Returns the resulting state; raises on a transport error so the task retries (bounded)."""
    with transaction.atomic():
        row = (Notification.objects.select_for_update(skip_locked=True)
               .select_related("recipient").filter(pk=notification_id).first())
        if row is None:
            return "missing-or-busy"
        if row.email_state != Notification.EmailState.PENDING and row.email_state != Notification.EmailState.FAILED:
            return row.email_state
        row.email_attempts += 1
        link = f"{settings.PORTAL_BASE_URL}{row.url}" if row.url else settings.PORTAL_BASE_URL
        with translation.override(settings.LANGUAGE_CODE):
            body = f"{row.body}\n\n{_('Open in the portal')}: {link}\n"
            subject = f"[{_('Supervision portal')}] {row.title}"
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [row.recipient.email], fail_silently=False)
        except OSError:
            row.email_state = (Notification.EmailState.FAILED if row.email_attempts >= MAX_EMAIL_ATTEMPTS
                               else Notification.EmailState.PENDING)
            row.save(update_fields=["email_state", "email_attempts"])
            raise
        row.email_state = Notification.EmailState.SENT
        row.emailed_at = timezone.now()
        row.save(update_fields=["email_state", "email_attempts", "emailed_at"])
        return row.email_state
