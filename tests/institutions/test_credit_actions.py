"""Adjustments and objections (INS-3): every service path and every refusal."""

import datetime

import pytest
from django.utils import timezone

from apps.core import errors
from apps.institutions.models import CreditEvent, CreditObjection, CreditRule, CreditTrigger, Institution
from apps.institutions.services import credit_actions
from apps.institutions.services.credit_actions import (
    credit_adjust,
    credit_objection_decide,
    credit_objection_submit,
)
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.institutions.credit_helpers import OBJECTION, REASON, _no_broker, add_event  # noqa: F401
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(gulou):
    return make_institution("350102", Institution.Status.ADMITTED)


@pytest.fixture
def head(gulou):
    return make_user(gulou, "department_head")


@pytest.fixture
def reviewer(gulou):
    return make_user(gulou, "reviewer")


@pytest.fixture
def own_admin(hospital):
    return make_user(hospital.organisation, "institution_admin")


def _score(institution) -> int:
    return Institution.objects.get(pk=institution.pk).credit_score


# --- adjustments ---------------------------------------------------------------------------------------


def test_ins3_adjustment_is_an_item_with_its_reason_audited_in_history(hospital, head, own_admin,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = credit_adjust(institution=hospital, points=-15, reason=REASON, by=head)
    assert (event.points, event.reason, event.source_type) == (-15, REASON, "institutions.adjustment")
    assert event.rule.trigger == CreditTrigger.MANUAL and event.recorded_by == head
    assert event.effective_until == timezone.localdate() + datetime.timedelta(days=364)
    record = event.history.get()
    assert record.history_user == head and "adjusted -15" in record.history_change_reason
    assert _score(hospital) == 85
    assert Notification.objects.filter(recipient=own_admin, title__contains="-15").exists()


def test_adjustment_until_a_chosen_date(hospital, head):
    until = timezone.localdate() + datetime.timedelta(days=30)
    event = credit_adjust(institution=hospital, points=5, reason=REASON, until=until, by=head)
    assert event.effective_until == until and _score(hospital) == 105


@pytest.mark.parametrize(("points", "reason", "until_days", "field"), [
    (-5, "", None, "reason"),
    (-5, "太短了", None, "reason"),
    (0, REASON, None, "points"),
    (51, REASON, None, "points"),
    (-51, REASON, None, "points"),
    ("x", REASON, None, "points"),
    (-5, REASON, -1, "until"),
    (-5, REASON, 4 * 365, "until"),
])
def test_adjustment_refuses_bad_input_and_saves_nothing(hospital, head, points, reason, until_days, field):
    until = timezone.localdate() + datetime.timedelta(days=until_days) if until_days is not None else None
    with pytest.raises(errors.ValidationFailed) as caught:
        credit_adjust(institution=hospital, points=points, reason=reason, until=until, by=head)
    assert field in caught.value.field_errors
    assert CreditEvent.objects.count() == 0 and _score(hospital) == 100


def test_adjustment_outside_the_jurisdiction_is_not_found(hospital, xiamen):
    with pytest.raises(errors.NotFound):
        credit_adjust(institution=hospital, points=-5, reason=REASON, by=make_user(xiamen, "department_head"))
    assert CreditEvent.objects.count() == 0


def test_adjustment_without_the_role_is_refused(hospital, gulou):
    with pytest.raises(errors.PermissionDenied):
        credit_adjust(institution=hospital, points=-5, reason=REASON, by=make_user(gulou, "inspector"))
    assert CreditEvent.objects.count() == 0


def test_adjustment_by_the_institution_itself_is_refused(hospital, own_admin):
    with pytest.raises(errors.PermissionDenied):
        credit_adjust(institution=hospital, points=5, reason=REASON, by=own_admin)


def test_adjustment_by_a_higher_department_is_allowed(hospital, fujian):
    credit_adjust(institution=hospital, points=-5, reason=REASON, by=make_user(fujian, "department_admin"))
    assert _score(hospital) == 95


def test_adjustment_without_a_manual_rule_is_refused(hospital, head):
    CreditRule.objects.filter(trigger=CreditTrigger.MANUAL).delete()
    with pytest.raises(errors.ValidationFailed):
        credit_adjust(institution=hospital, points=-5, reason=REASON, by=head)


# --- objections ----------------------------------------------------------------------------------------


def test_ins3_objection_upheld_withdraws_the_item_and_repairs_the_score(
        hospital, own_admin, reviewer, django_capture_on_commit_callbacks):
    event = add_event(hospital, -20)
    credit_actions.credit_recompute(institution_ids=[hospital.pk])
    assert _score(hospital) == 80
    with django_capture_on_commit_callbacks(execute=True):
        objection = credit_objection_submit(event=event, reason=OBJECTION, by=own_admin)
    assert objection.status == CreditObjection.Status.SUBMITTED and objection.institution_id == hospital.pk
    assert Notification.objects.filter(recipient=reviewer, title__contains=hospital.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        decided = credit_objection_decide(objection=objection, uphold=True, reason="经核实，整改已完成，撤销该条目。",
                                          by=reviewer)
    assert decided.status == CreditObjection.Status.UPHELD and decided.decided_by == reviewer
    event.refresh_from_db()
    assert event.status == CreditEvent.Status.WITHDRAWN
    assert event.history.first().history_user == reviewer
    assert _score(hospital) == 100
    told = Notification.objects.get(recipient=own_admin)
    assert told.url == f"/institutions/{hospital.pk}/credit/" and "经核实" in told.body


def test_objection_rejected_keeps_the_item(hospital, own_admin, reviewer):
    event = add_event(hospital, -20)
    objection = credit_objection_submit(event=event, reason=OBJECTION, by=own_admin)
    credit_objection_decide(objection=objection, uphold=False, reason="整改证据不足，维持原评定。", by=reviewer)
    event.refresh_from_db()
    assert event.status == CreditEvent.Status.IN_FORCE
    assert CreditObjection.objects.get().status == CreditObjection.Status.REJECTED


def test_only_one_open_objection_per_item(hospital, own_admin):
    event = add_event(hospital, -20)
    credit_objection_submit(event=event, reason=OBJECTION, by=own_admin)
    with pytest.raises(errors.TransitionNotAllowed):
        credit_objection_submit(event=event, reason=OBJECTION, by=own_admin)
    assert CreditObjection.objects.count() == 1


@pytest.mark.parametrize("state", ["expired", "withdrawn", "pending"])
def test_objection_only_to_items_in_force(hospital, own_admin, state):
    today = timezone.localdate()
    event = {
        "expired": lambda: add_event(hospital, -5, occurred_on=today - datetime.timedelta(days=400), days=10),
        "withdrawn": lambda: add_event(hospital, -5, status=CreditEvent.Status.WITHDRAWN),
        "pending": lambda: add_event(hospital, -5, occurred_on=today + datetime.timedelta(days=2)),
    }[state]()
    with pytest.raises(errors.TransitionNotAllowed):
        credit_objection_submit(event=event, reason=OBJECTION, by=own_admin)
    assert CreditObjection.objects.count() == 0


def test_objection_needs_grounds(hospital, own_admin):
    with pytest.raises(errors.ValidationFailed):
        credit_objection_submit(event=add_event(hospital, -5), reason="不服", by=own_admin)
    assert CreditObjection.objects.count() == 0


def test_objection_by_another_institution_is_not_found(hospital, gulou):
    other = make_institution("350102")
    with pytest.raises(errors.NotFound):
        credit_objection_submit(event=add_event(hospital, -5), reason=OBJECTION,
                                by=make_user(other.organisation, "institution_admin"))


def test_objection_by_own_user_without_the_role_is_refused(hospital):
    with pytest.raises(errors.PermissionDenied):
        credit_objection_submit(event=add_event(hospital, -5), reason=OBJECTION,
                                by=make_user(hospital.organisation, "security_officer"))


def test_objection_by_a_department_is_refused(hospital, reviewer):
    with pytest.raises(errors.PermissionDenied):
        credit_objection_submit(event=add_event(hospital, -5), reason=OBJECTION, by=reviewer)


def test_decision_refusals(hospital, own_admin, reviewer, xiamen, gulou):
    objection = credit_objection_submit(event=add_event(hospital, -5), reason=OBJECTION, by=own_admin)
    with pytest.raises(errors.NotFound):
        credit_objection_decide(objection=objection, uphold=True, reason="理由足够长的决定说明", by=make_user(
            xiamen, "reviewer"))
    with pytest.raises(errors.PermissionDenied):
        credit_objection_decide(objection=objection, uphold=True, reason="理由足够长的决定说明",
                                by=make_user(gulou, "inspector"))
    with pytest.raises(errors.PermissionDenied):
        credit_objection_decide(objection=objection, uphold=True, reason="理由足够长的决定说明", by=own_admin)
    with pytest.raises(errors.ValidationFailed):
        credit_objection_decide(objection=objection, uphold=True, reason="", by=reviewer)
    assert CreditObjection.objects.get().status == CreditObjection.Status.SUBMITTED
    credit_objection_decide(objection=objection, uphold=False, reason="理由足够长的决定说明", by=reviewer)
    with pytest.raises(errors.TransitionNotAllowed):
        credit_objection_decide(objection=objection, uphold=True, reason="理由足够长的决定说明", by=reviewer)
    assert CreditEvent.objects.get().status == CreditEvent.Status.IN_FORCE
