"""Referral of a finding to an accountability case (SUP-1; SUP-3 for the next issue): one action, grounds
required, the open order cancelled, the signal sent, the case officers of the region told."""

import pytest

from apps.core import errors
from apps.inspections.models import Finding
from apps.inspections.services import referral
from apps.inspections.signals import finding_referred
from apps.notifications.models import Notification
from tests.inspections.factories import make_finding, make_order

from . import record_helpers

pytestmark = pytest.mark.django_db
scene = record_helpers.scene  # fixture


def test_sup1_referring_a_confirmed_finding_cancels_its_order_and_signals(scene, django_capture_on_commit_callbacks):
    finding = make_finding(scene.inspection)
    order = make_order(finding)
    received = []

    def receiver(sender, finding, note, by, **kwargs):
        received.append((finding.pk, note, by.pk))

    finding_referred.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            referral.finding_refer(finding=finding, note="多次整改不到位，建议立案。", by=scene.lead)
    finally:
        finding_referred.disconnect(receiver)
    finding.refresh_from_db()
    order.refresh_from_db()
    assert (finding.status, finding.referred_by, finding.referral_note) == ("referred", scene.lead,
                                                                            "多次整改不到位，建议立案。")
    assert finding.referred_at is not None and order.status == "cancelled"
    assert received == [(finding.pk, "多次整改不到位，建议立案。", scene.lead.pk)]
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert scene.case_officer.pk in told


def test_sup1_referral_needs_grounds_and_a_confirmed_or_resolved_finding(scene):
    finding = make_finding(scene.inspection)  # open
    with pytest.raises(errors.TransitionNotAllowed):
        referral.finding_refer(finding=finding, note="理由", by=scene.head)
    make_order(finding)
    with pytest.raises(errors.ValidationFailed):
        referral.finding_refer(finding=finding, note="  ", by=scene.head)
    Finding.objects.filter(pk=finding.pk).update(status="resolved")
    referral.finding_refer(finding=finding, note="理由", by=scene.head)
    with pytest.raises(errors.TransitionNotAllowed):
        referral.finding_refer(finding=finding, note="again", by=scene.head)


def test_sup1_referral_needs_refer_finding_in_the_jurisdiction(scene):
    finding = make_finding(scene.inspection)
    make_order(finding)
    with pytest.raises(errors.PermissionDenied):
        referral.finding_refer(finding=finding, note="理由", by=scene.case_officer)  # no refer_finding
    with pytest.raises(errors.NotFound):
        referral.finding_refer(finding=finding, note="理由", by=scene.xiamen_inspector)
    with pytest.raises(errors.NotFound):
        referral.finding_refer(finding=finding, note="理由", by=scene.admin)
    finding.refresh_from_db()
    assert finding.status == "confirmed"
