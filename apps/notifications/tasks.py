from celery import shared_task

from . import services
from .models import Notification


@shared_task(name="notifications.send_email", max_retries=services.MAX_EMAIL_ATTEMPTS)
def send_notification_email(notification_id: int) -> str:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.retry_unsent_email")
def retry_unsent_email() -> int:
    """Beat: re-enqueue e-mails still pending (a broker outage at commit time loses no message)."""
    pending = list(Notification.objects.filter(email_state=Notification.EmailState.PENDING)
                   .values_list("pk", flat=True)[:1000])
    for pk in pending:
        send_notification_email.delay(pk)
    return len(pending)
