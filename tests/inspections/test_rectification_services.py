"""Rectification (SUP-1, INS-3): the institution answers its own orders with a report and checked files; the
team or a department reviewer accepts or returns; acceptance resolves the finding and raises credit once."""

import datetime

import pytest
from django.utils import timezone

from apps.core import errors
from apps.inspections.models import Finding, RectificationOrder, RectificationResponse, ResponseEvidence
from apps.inspections.services import rectification as services
from apps.institutions.models import CreditEvent
from tests.conftest import make_user
from tests.inspections.factories import make_finding, make_order

from . import record_helpers
from .record_helpers import exe_as_png, pdf, png, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
scene = record_helpers.scene  # fixture


@pytest.fixture
def order(scene):
    return make_order(make_finding(scene.inspection), by=scene.lead)


def _triggers(scene):
    return sorted(CreditEvent.objects.filter(institution=scene.institution).values_list("rule__trigger", flat=True))


def test_sup1_institution_reports_with_files(scene, order, media):
    response = services.order_respond(order=order, report="已完成备份恢复演练。", files=[pdf(), png()], by=scene.admin)
    order.refresh_from_db()
    assert order.status == "submitted" and response.round == 1
    assert sorted(response.evidence.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    assert len(stored_files(media)) == 2


def test_sup1_report_text_is_required_and_nothing_is_stored(scene, order, media):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.order_respond(order=order, report="  ", files=[pdf()], by=scene.admin)
    assert "report" in caught.value.field_errors
    assert not RectificationResponse.objects.exists() and stored_files(media) == []


def test_sup1_every_file_is_checked_before_any_is_stored(scene, order, media):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.order_respond(order=order, report="已整改", files=[pdf(), exe_as_png()], by=scene.admin)
    assert "virus.png" in caught.value.field_errors["files"][0]
    assert not RectificationResponse.objects.exists() and not ResponseEvidence.objects.exists()
    assert stored_files(media) == []
    order.refresh_from_db()
    assert order.status == "issued"


def test_sup1_only_the_institutions_answering_people_respond(scene, order):
    steward = make_user(scene.institution.organisation, "data_steward")
    with pytest.raises(errors.NotFound):
        services.order_respond(order=order, report="x", by=scene.other_admin)  # another institution: 404
    with pytest.raises(errors.NotFound):
        services.order_respond(order=order, report="x", by=steward)  # cannot even read orders
    with pytest.raises(errors.PermissionDenied):
        services.order_respond(order=order, report="x", by=scene.lead)  # the team reads it but does not answer
    top = make_user(scene.institution.organisation, "top_leader")
    with pytest.raises(errors.PermissionDenied):
        services.order_respond(order=order, report="x", by=top)  # reads, may not answer
    services.order_respond(order=order, report="已整改", by=scene.security)
    assert RectificationResponse.objects.count() == 1


def test_sup1_a_submitted_order_cannot_be_answered_again(scene, order):
    services.order_respond(order=order, report="已整改", by=scene.admin)
    with pytest.raises(errors.TransitionNotAllowed):
        services.order_respond(order=order, report="再次", by=scene.admin)


def test_ins3_accepting_a_timely_report_resolves_the_finding_and_raises_timely(scene, order):
    services.order_respond(order=order, report="已整改", by=scene.admin)
    services.order_verify(order=order, accept=True, comment="", by=scene.member)
    order.refresh_from_db()
    assert order.status == "accepted" and order.accepted_at is not None
    assert Finding.objects.get().status == "resolved"
    assert RectificationResponse.objects.get().verdict == "accepted"
    assert _triggers(scene) == ["rectification.timely"]


def test_ins3_accepting_a_late_report_raises_late(scene):
    order = make_order(make_finding(scene.inspection), deadline=timezone.localdate() - datetime.timedelta(days=2))
    RectificationOrder.objects.filter(pk=order.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=2))
    services.order_respond(order=order, report="已整改", by=scene.admin)
    services.order_verify(order=order, accept=True, comment="", by=scene.lead)
    assert _triggers(scene) == ["rectification.late"]


def test_ins3_an_escalated_order_raises_no_second_event_on_acceptance(scene):
    order = make_order(make_finding(scene.inspection), deadline=timezone.localdate() - datetime.timedelta(days=3))
    assert services.orders_escalate_overdue() == 1
    services.order_respond(order=order, report="已整改", by=scene.admin)
    services.order_verify(order=order, accept=True, comment="", by=scene.lead)
    assert _triggers(scene) == ["rectification.missing"]


def test_sup1_returning_needs_a_comment_and_the_institution_answers_again(scene, order):
    services.order_respond(order=order, report="已整改", by=scene.admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.order_verify(order=order, accept=False, comment="", by=scene.lead)
    assert "comment" in caught.value.field_errors
    services.order_verify(order=order, accept=False, comment="缺少演练记录", by=scene.lead)
    order.refresh_from_db()
    assert order.status == "returned" and Finding.objects.get().status == "confirmed"
    services.order_respond(order=order, report="补充演练记录", by=scene.admin)
    assert list(order.responses.values_list("round", "verdict")) == [(1, "returned"), (2, "pending")]
    assert not CreditEvent.objects.exists()


def test_sup1_verifiers_are_the_team_or_a_reviewer_of_the_jurisdiction(scene, order):
    services.order_respond(order=order, report="已整改", by=scene.admin)
    with pytest.raises(errors.PermissionDenied):
        services.order_verify(order=order, accept=True, by=scene.outsider)  # inspector without the grant
    with pytest.raises(errors.PermissionDenied):
        services.order_verify(order=order, accept=True, by=scene.admin)  # the institution itself
    with pytest.raises(errors.NotFound):
        services.order_verify(order=order, accept=True, by=scene.xiamen_head)  # other jurisdiction
    services.order_verify(order=order, accept=True, by=scene.head)  # department head: verify_rectification
    order.refresh_from_db()
    assert order.status == "accepted"


def test_sup1_only_a_submitted_order_is_verified(scene, order):
    with pytest.raises(errors.TransitionNotAllowed):
        services.order_verify(order=order, accept=True, by=scene.lead)
