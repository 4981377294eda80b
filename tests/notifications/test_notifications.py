"""Notifications every app uses: inbox rows in the caller's transaction, e-mail by a task after commit."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from apps.notifications import services
from apps.notifications.models import Notification
from tests.conftest import login_verified, make_user
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return make_user(OrganisationFactory(), "submitter", email="p@example.cn")


def test_rolled_back_action_leaves_no_notification(person):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(recipients=[person], title="will vanish")
        raise RuntimeError
    assert not Notification.objects.exists()


def test_email_is_sent_once_even_if_the_task_is_delivered_twice(person, django_capture_on_commit_callbacks,
                                                                monkeypatch):
    from apps.notifications import tasks

    monkeypatch.setattr(tasks.send_notification_email, "apply_async", lambda *a, **k: None)
    rows = services.notify(recipients=[person], title="您的申请已退回", body="请补正材料。", url="/")
    assert services.notification_email_send(notification_id=rows[0].pk) == "sent"
    assert services.notification_email_send(notification_id=rows[0].pk) == "sent"
    assert len(mail.outbox) == 1 and "您的申请已退回" in mail.outbox[0].subject


def test_people_without_email_and_machine_accounts(person, monkeypatch):
    from apps.accounts.models import User
    from apps.notifications import tasks

    monkeypatch.setattr(tasks.send_notification_email, "apply_async", lambda *a, **k: None)
    silent = make_user(OrganisationFactory(), "submitter", email="")
    machine = User.objects.create_user(username="api-z", is_machine=True)
    rows = services.notify(recipients=[silent, machine], title="x")
    assert [row.recipient for row in rows] == [silent]
    assert rows[0].email_state == Notification.EmailState.NOT_REQUESTED


def test_inbox_unread_count_and_mark_read(client, person, monkeypatch):
    from apps.notifications import tasks

    monkeypatch.setattr(tasks.send_notification_email, "apply_async", lambda *a, **k: None)
    rows = services.notify(recipients=[person], title="第一条", email=False)
    services.notify(recipients=[person], title="第二条", email=False)
    client.force_login(person)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "第一条" in page and 'data-testid="unread-count">2<' in page
    client.post(reverse("notifications:mark_read", args=[rows[0].pk]))
    assert 'data-testid="unread-count">1<' in client.get("/").content.decode()
    client.post(reverse("notifications:mark_all_read"))
    assert "unread-count" not in client.get("/").content.decode()


def test_nobody_reads_someone_elses_notification(client, person):
    rows = services.notify(recipients=[person], title="私人", email=False)
    intruder = make_user(OrganisationFactory(), "submitter")
    client.force_login(intruder)
    assert client.post(reverse("notifications:mark_read", args=[rows[0].pk])).status_code == 404
    login_verified(client, make_user(OrganisationFactory(), "institution_admin"))
    assert client.post(f"/api/v1/notifications/{rows[0].pk}/read/").status_code == 404
    assert Notification.objects.get(pk=rows[0].pk).read_at is None


def test_home_page_queries_stay_bounded(client, person, django_assert_max_num_queries):
    for index in range(10):
        services.notify(recipients=[person], title=f"n{index}", email=False)
    client.force_login(person)
    client.get("/")
    # 11 for the page and the foundation's and institutions' panels, 3 for the catalog's sharing panel (one
    # conditional count per table); the number does not depend on how many notifications or records exist.
    with django_assert_max_num_queries(14):
        client.get("/")
