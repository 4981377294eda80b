"""Amendments, extensions and renewals of an approved application through a new linked application (SVC-2).

The approved application and its grant come from the grants tests' helper (the real `grant_create`)."""

import datetime

import pytest
from django.utils import timezone

from apps.catalog.models import DataGrant, SharingApplication
from apps.catalog.services import applications as services
from apps.core import errors, policy
from tests.catalog import application_helpers as helpers
from tests.catalog.application_helpers import suspend
from tests.catalog.grants_helpers import grant_case, set_period
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults


@pytest.fixture
def case():
    case = grant_case()
    today = timezone.localdate()
    set_period(case.grant, today - datetime.timedelta(days=30), today + datetime.timedelta(days=300))
    return case


def test_svc2_an_amendment_copies_answers_items_recipients_and_documents(case):
    parent = case.application
    parent_document = parent.documents.create(kind="ethics_approval", file="catalog/applications/x.pdf",
                                                  original_name="伦理.pdf", content_type="application/pdf",
                                                  size=10, sha256="a" * 64, uploaded_by=case.applicant_admin)
    child = services.application_followup_create(parent, kind="amendment", by=case.applicant_admin)
    assert child.kind == "amendment" and child.parent == parent and child.status == "draft"
    assert child.number.startswith(f"SQ{timezone.localdate().year}-") and child.number != parent.number
    assert (child.title, child.purpose, child.legal_basis) == (parent.title, parent.purpose, parent.legal_basis)
    assert (child.period_start, child.period_end) == (case.grant.starts_on, case.grant.ends_on)
    item, parent_item = child.items.get(), parent.items.get()
    assert item.resource_id == parent_item.resource_id and item.version_id == parent_item.version_id
    assert sorted(f.pk for f in item.fields.all()) == sorted(f.pk for f in parent_item.fields.all())
    assert sorted(r.user_id for r in child.recipients.all()) == sorted(r.user_id for r in parent.recipients.all())
    assert not child.recipients.filter(agreement__isnull=False).exists()  # accepted again for the new one
    copied = child.documents.get()
    assert copied.file.name == parent_document.file.name and copied.sha256 == "a" * 64
    # The partner recipient sees the new application too.
    assert policy.can_see(case.co_recipient, child)
    assert child.history.get().history_change_reason == f"amendment of {parent.number}"


def test_svc2_an_extension_changes_only_the_end_date(case):
    child = services.application_followup_create(case.application, kind="extension", by=case.applicant_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_update(child, data={"purpose": "新用途", "period_end": child.period_end},
                                    by=case.applicant_admin)
    assert caught.value.field_errors == {"purpose": [
        "An extension changes only the end date; apply for an amendment to change anything else."]}
    with pytest.raises(errors.ValidationFailed, match="keeps the requested resources"):
        services.application_items_set(child, items=[], by=case.applicant_admin)
    with pytest.raises(errors.ValidationFailed, match="keeps the recipients"):
        services.recipient_add(child, user=make_user(case.applicant.organisation, "submitter"),
                               by=case.applicant_admin)
    child.refresh_from_db()
    assert child.purpose == case.application.purpose and child.items.count() == 1
    problems = services.application_problems(child)
    assert problems["period_end"] == [f"The grant of {case.application.number} runs until "
                                      f"{case.grant.ends_on.isoformat()}; an extension ends later."]
    later = services.application_update(child, data={"period_end": case.grant.ends_on + datetime.timedelta(days=90)},
                                        by=case.applicant_admin)
    assert "period_end" not in services.application_problems(later)


def test_svc2_a_renewal_starts_after_the_granted_period(case):
    child = services.application_followup_create(case.application, kind="renewal", by=case.applicant_admin)
    assert child.period_start == case.grant.ends_on + datetime.timedelta(days=1)
    assert child.period_end - child.period_start == case.grant.ends_on - case.grant.starts_on
    assert "period_start" not in services.application_problems(child)
    moved = services.application_update(child, data={"period_start": case.grant.ends_on}, by=case.applicant_admin)
    assert services.application_problems(moved)["period_start"] == [
        f"The grant of {case.application.number} runs until {case.grant.ends_on.isoformat()}; a renewal starts "
        "after it."]


def test_svc2_an_amendment_cannot_extend_the_period(case):
    child = services.application_followup_create(case.application, kind="amendment", by=case.applicant_admin)
    child = services.application_update(child, data={"period_end": case.grant.ends_on + datetime.timedelta(days=1)},
                                        by=case.applicant_admin)
    assert services.application_problems(child)["period_end"] == [
        f"The grant of {case.application.number} runs until {case.grant.ends_on.isoformat()}; apply for an "
        "extension to use the data longer."]


def test_svc2_a_second_open_followup_is_refused(case):
    first = services.application_followup_create(case.application, kind="amendment", by=case.applicant_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_followup_create(case.application, kind="renewal", by=case.applicant_admin)
    assert str(caught.value.message) == (f"Application {case.application.number} already has an open follow-up, "
                                         f"{first.number} (amendment); finish or withdraw it first.")
    assert case.application.followups.count() == 1
    services.application_withdraw(first, reason="改为续期", by=case.applicant_admin)
    assert services.application_followup_create(case.application, kind="renewal",
                                                by=case.applicant_admin).kind == "renewal"


def test_followups_need_an_approved_application_with_a_grant_in_force(case):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_followup_create(case.application, kind="sequel", by=case.applicant_admin)
    assert caught.value.field_errors == {"kind": ["Choose amendment, extension or renewal."]}
    DataGrant.objects.filter(pk=case.grant.pk).update(status="expired")
    with pytest.raises(errors.ValidationFailed, match="has no grant in force"):
        services.application_followup_create(case.application, kind="renewal", by=case.applicant_admin)
    draft = helpers.draft(case.applicant_admin)
    with pytest.raises(errors.TransitionNotAllowed, match="Only an approved application"):
        services.application_followup_create(draft, kind="renewal", by=case.applicant_admin)
    assert not SharingApplication.objects.filter(parent__isnull=False).exists()


def test_followups_only_by_the_applicant_not_suspended(case):
    with pytest.raises(errors.PermissionDenied):
        services.application_followup_create(case.application, kind="renewal", by=case.provider_admin)
    suspend(case.applicant)
    with pytest.raises(errors.ValidationFailed, match="Your institution is suspended"):
        services.application_followup_create(case.application, kind="renewal", by=case.applicant_admin)
    assert not SharingApplication.objects.filter(parent__isnull=False).exists()


def test_a_removed_copied_document_keeps_the_parent_file(case, django_capture_on_commit_callbacks):
    from apps.catalog.services.application_documents import document_remove

    storage = case.application.documents.model._meta.get_field("file").storage
    name = storage.save("catalog/applications/shared.pdf", helpers.pdf())
    case.application.documents.create(kind="other", file=name, original_name="共享.pdf",
                                      content_type="application/pdf", size=3, sha256="b" * 64,
                                      uploaded_by=case.applicant_admin)
    child = services.application_followup_create(case.application, kind="amendment", by=case.applicant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(child, document=child.documents.get(), by=case.applicant_admin)
    assert storage.exists(name)
    assert not child.documents.exists() and case.application.documents.count() == 1


def test_an_extension_is_saved_from_the_answers_page(client, case):
    from django.urls import reverse

    from tests.conftest import login_verified

    SharingApplication.objects.filter(pk=case.application.pk).update(purpose="第一行\n第二行")
    child = services.application_followup_create(case.application, kind="extension", by=case.applicant_admin)
    login_verified(client, case.applicant_admin)
    page = client.get(reverse("catalog:application_edit", args=[child.pk]))
    assert page.status_code == 200
    new_end = case.grant.ends_on + datetime.timedelta(days=60)
    form = {"title": child.title, "purpose": "第一行\r\n第二行", "project_description": child.project_description,
            "legal_basis": child.legal_basis, "legal_basis_note": child.legal_basis_note,
            "period_start": child.period_start.isoformat(), "period_end": new_end.isoformat(),
            "delivery_mode": child.delivery_mode, "security_measures": child.security_measures,
            "deidentification_method": child.deidentification_method,
            "deidentification_description": child.deidentification_description,
            "cross_border_destination": child.cross_border_destination}
    response = client.post(reverse("catalog:application_edit", args=[child.pk]), form)
    assert response.status_code == 302, response.content.decode()
    child.refresh_from_db()
    assert child.period_end == new_end and child.purpose == "第一行\n第二行"
