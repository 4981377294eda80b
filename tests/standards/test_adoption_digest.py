"""Nightly adoption digest and the recent-changes page (STD-5, M.15: monitor adoption dynamically)."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.institutions.models import Institution
from apps.notifications.models import Notification
from apps.standards.models import AdoptionDeclaration
from apps.standards.services.adoption import adoption_changes_since, adoption_digest_send, adoption_withdraw
from apps.standards.tasks import adoption_changes_digest
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.institutions.factories import make_institution
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import declare

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
in_force = adoption_helpers.in_force


@pytest.fixture
def changes(hospital, in_force, fuzhou, xiamen):
    """Today: 鼓楼 declares; 思明 withdraws a declaration made three days ago; 台江's declaration is old."""
    siming = make_institution("350203", Institution.Status.ADMITTED)
    taijiang = make_institution("350103", Institution.Status.ADMITTED)
    old_siming, old_taijiang = declare(siming, in_force), declare(taijiang, in_force)
    AdoptionDeclaration.objects.filter(pk__in=[old_siming.pk, old_taijiang.pk]).update(
        declared_at=timezone.now() - datetime.timedelta(days=3))
    adoption_withdraw(declaration=old_siming, reason="系统下线", by=make_user(siming.organisation, "institution_admin"))
    fresh = declare(hospital, in_force)
    return {"fresh": fresh, "withdrawn": old_siming, "siming": siming, "taijiang": taijiang}


def test_std5_changes_since_are_scoped_by_prefix(changes):
    since = timezone.now() - datetime.timedelta(hours=24)
    assert [(c.kind, c.declaration.pk) for c in adoption_changes_since("3501", since)] == [
        ("declared", changes["fresh"].pk)]
    assert [(c.kind, c.declaration.pk) for c in adoption_changes_since("3502", since)] == [
        ("withdrawn", changes["withdrawn"].pk)]
    assert {c.kind for c in adoption_changes_since("", since)} == {"declared", "withdrawn"}


def test_std5_nightly_digest_one_notification_per_monitor_with_the_jurisdictions_changes(
        changes, fuzhou, xiamen, fujian, hospital, in_force):
    fuzhou_officer, fuzhou_auditor = make_user(fuzhou, "standards_officer"), make_user(fuzhou, "auditor")
    xiamen_officer, fujian_head = make_user(xiamen, "standards_officer"), make_user(fujian, "department_head")
    not_a_monitor = make_user(fuzhou, "case_officer")
    quiet = make_user(department("350900", "municipal", "宁德市卫生健康委员会"), "standards_officer")
    institution_user = make_user(hospital.organisation, "institution_admin")

    assert adoption_digest_send() == 4
    # Stored notifications are in the portal's language (Chinese) whoever or whatever sends them.
    with translation.override("zh-hans"):
        declared_word, withdrawn_word = gettext("declared"), gettext("withdrawn")
        title = gettext("Standards adoption: %(declared)d declared, %(withdrawn)d withdrawn in the last day")
    assert declared_word != "declared"
    for person in (fuzhou_officer, fuzhou_auditor):
        [note] = Notification.objects.filter(recipient=person)
        assert hospital.name in note.body and in_force.code in note.body and declared_word in note.body
        assert changes["siming"].name not in note.body
        assert note.url == reverse("standards:adoption_changes")
        assert note.title == title % {"declared": 1, "withdrawn": 0}
    [note] = Notification.objects.filter(recipient=xiamen_officer)
    assert changes["siming"].name in note.body and withdrawn_word in note.body and hospital.name not in note.body
    assert note.title == title % {"declared": 0, "withdrawn": 1}
    [note] = Notification.objects.filter(recipient=fujian_head)
    assert hospital.name in note.body and changes["siming"].name in note.body
    assert changes["taijiang"].name not in note.body  # its declaration is three days old
    for nobody in (not_a_monitor, quiet, institution_user):
        assert not Notification.objects.filter(recipient=nobody).exists()


def test_nobody_gets_an_empty_digest(hospital, in_force, fuzhou):
    make_user(fuzhou, "standards_officer")
    old = declare(hospital, in_force)
    AdoptionDeclaration.objects.filter(pk=old.pk).update(declared_at=timezone.now() - datetime.timedelta(days=2))
    assert adoption_changes_digest() == 0
    assert not Notification.objects.exists()


def test_the_digest_is_scheduled_early_in_the_morning():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "standards.adoption_changes_digest")
    assert 4 <= min(entry["schedule"].hour) <= 7


def test_changes_page_lists_the_jurisdictions_changes(client, changes, fuzhou, hospital):
    login_verified(client, make_user(fuzhou, "standards_officer"))
    page = client.get(reverse("standards:adoption_changes")).content.decode()
    assert hospital.name in page and changes["siming"].name not in page
    week = client.get(reverse("standards:adoption_changes") + "?days=7").content.decode()
    assert changes["taijiang"].name in week
