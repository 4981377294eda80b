"""The data use agreement (SVC-2, SEC-4): the national department publishes versions; one is current."""

import datetime

import pytest
from django.utils import timezone

from apps.catalog.models import DataUseAgreement
from apps.catalog.services import applications as services
from apps.catalog.services.agreements import agreement_current, agreement_publish, agreement_text
from apps.core import errors
from tests.catalog import application_helpers as helpers
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current


@pytest.fixture
def national_admin(national):
    return make_user(national, "department_admin")


def test_svc2_publishing_makes_the_new_version_current(national_admin, current):
    published = agreement_publish(version="2026-2", text="新版协议。", text_en="New agreement.",
                                  effective_from=timezone.localdate(), by=national_admin)
    assert agreement_current() == published and published.created_by == national_admin
    current.refresh_from_db()
    assert not current.is_current
    assert DataUseAgreement.objects.filter(is_current=True).count() == 1
    assert published.history.get().history_user == national_admin
    assert current.history.first().history_change_reason == "replaced by 2026-2"


def test_the_text_follows_the_language(current):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert agreement_text(current) == "数据使用协议测试文本。"
    with translation.override("en"):
        assert agreement_text(current) == "Test data use agreement."
    current.text_en = ""
    assert agreement_text(current, "en") == "数据使用协议测试文本。"


def test_only_the_national_department_publishes(fujian, hospital, current):
    for user in (make_user(fujian, "department_admin"), make_user(hospital.organisation, "institution_admin"),
                 make_user(fujian, "reviewer")):
        with pytest.raises(errors.PermissionDenied):
            agreement_publish(version="X", text="x", by=user)
    assert agreement_current() == current and not DataUseAgreement.objects.filter(version="X").exists()


def test_bad_versions_are_refused_with_every_problem(national_admin, current):
    with pytest.raises(errors.ValidationFailed) as caught:
        agreement_publish(version=current.version, text=" ", effective_from=timezone.localdate()
                          + datetime.timedelta(days=1), by=national_admin)
    assert caught.value.field_errors == {
        "version": ["Version T-2026 was already published; give a new label."],
        "text": ["Enter the text of the agreement."],
        "effective_from": ["A published agreement is in effect at once; the date cannot be in the future."],
    }
    with pytest.raises(errors.ValidationFailed) as caught:
        agreement_publish(version="2025-9", text="旧", effective_from=datetime.date(2025, 6, 1), by=national_admin)
    assert caught.value.field_errors == {"effective_from": [
        "The current version T-2026 is in effect from 2026-01-01; the new one cannot start earlier."]}
    assert agreement_current() == current and DataUseAgreement.objects.count() == \
        DataUseAgreement.objects.filter(version__in=["T-2026", "1.0"]).count()


def test_sec4_recipients_of_open_applications_accept_again(national_admin, applicant_admin, current,
                                                           django_capture_on_commit_callbacks, _no_broker):
    from apps.notifications.models import Notification

    application = helpers.draft(applicant_admin)
    services.agreement_accept(application, user=applicant_admin)
    assert "recipients" not in services.application_problems(application)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_publish(version="2026-3", text="第三版。", by=national_admin)
    assert services.application_problems(application)["recipients"] == [
        f"{applicant_admin} has not accepted the current data use agreement (version 2026-3)."]
    notice = Notification.objects.get(recipient=applicant_admin)
    assert "2026-3" in notice.title
    services.agreement_accept(application, user=applicant_admin)
    assert "recipients" not in services.application_problems(application)


def test_the_national_department_publishes_on_the_agreement_page(client, national_admin, current):
    from django.urls import reverse

    from tests.conftest import login_verified

    url = reverse("catalog:agreement_versions")
    login_verified(client, national_admin)
    page = client.get(url).content.decode()
    assert 'data-testid="publish-form"' in page and "Test data use agreement." in page
    bad = client.post(url, {"version": current.version, "text": "x", "effective_from": "2026-02-01"})
    assert bad.status_code == 400 and "Version T-2026 was already published; give a new label." in bad.content.decode()
    response = client.post(url, {"version": "2026-5", "text": "第五版。", "effective_from": "2026-02-01"})
    assert response.status_code == 302 and agreement_current().version == "2026-5"


def test_others_read_the_agreement_page_without_the_form(client, fujian, hospital, current):
    from django.urls import reverse

    from tests.conftest import login_verified

    url = reverse("catalog:agreement_versions")
    for user in (make_user(fujian, "department_admin"), make_user(hospital.organisation, "submitter")):
        login_verified(client, user)
        page = client.get(url)
        assert page.status_code == 200 and 'data-testid="publish-form"' not in page.content.decode()
        assert client.post(url, {"version": "X", "text": "x", "effective_from": "2026-02-01"}).status_code == 403
    assert agreement_current() == current
