"""The hearing (SUP-3): requested in the defence, scheduled and recorded by the officers, withdrawn only by the
institution; a requested hearing blocks the decision until it is held (or not attended) or withdrawn."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Decision, Hearing
from apps.cases.services import hearing as services
from apps.cases.services import notice
from apps.core import errors
from apps.notifications.models import Notification
from tests.cases.factories import make_case

from .test_opening_helpers import decide, letters, media, pass_deadline, pdf, s, snapshot

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures

BLOCKED = "The institution asked for a hearing: hold it, or record its withdrawal, before deciding."


def _requested(s, **case_fields):
    case = make_case(s, status="notified", **case_fields)
    notice.defence_submit(case=case, statement="请求听证。", hearing_requested=True, by=s.admin)
    return case, Hearing.objects.get(case=case)


def _soon(days=3):
    return timezone.now() + datetime.timedelta(days=days)


def test_sup3_officers_schedule_the_hearing_and_the_institution_is_told(s, django_capture_on_commit_callbacks):
    _case, hearing = _requested(s)
    with django_capture_on_commit_callbacks(execute=True):
        hearing = services.hearing_schedule(hearing=hearing, scheduled_for=_soon(), place="市卫健委301会议室",
                                            by=s.officer)
    assert (hearing.status, hearing.place) == ("scheduled", "市卫健委301会议室")
    assert Notification.objects.filter(recipient=s.admin, title__contains="hearing on").exists()
    moved = services.hearing_schedule(hearing=hearing, scheduled_for=_soon(5), place="302会议室", by=s.officer)
    assert moved.place == "302会议室"


def test_sup3_a_hearing_needs_a_future_date_a_place_and_an_officer(s):
    _case, hearing = _requested(s)
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.hearing_schedule(hearing=hearing, scheduled_for=timezone.now() - datetime.timedelta(hours=1),
                                  place=" ", by=s.officer)
    assert caught.value.field_errors == {"scheduled_for": ["Choose a date and time in the future."],
                                         "place": ["Say where the hearing takes place."]}
    with pytest.raises(errors.PermissionDenied):
        services.hearing_schedule(hearing=hearing, scheduled_for=_soon(), place="会议室", by=s.head)
    with pytest.raises(errors.PermissionDenied):
        services.hearing_schedule(hearing=hearing, scheduled_for=_soon(), place="会议室", by=s.admin)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.hearing_record(hearing=hearing, held=True, minutes="记录", by=s.officer)
    assert str(caught.value) == "Schedule the hearing before recording it."
    assert snapshot() == before


def test_sup3_a_requested_hearing_blocks_the_decision_until_held(s, letters, media):
    case, hearing = _requested(s)
    pass_deadline(case)
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        decide(s, case, defence_answer="已听取意见。")
    assert str(caught.value) == BLOCKED
    assert snapshot() == before
    services.hearing_schedule(hearing=hearing, scheduled_for=_soon(), place="会议室", by=s.officer)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        decide(s, case, defence_answer="已听取意见。")
    assert str(caught.value) == BLOCKED
    with pytest.raises(errors.ValidationFailed) as caught:
        services.hearing_record(hearing=hearing, held=True, minutes="", by=s.officer)
    assert caught.value.field_errors == {"minutes": ["Write the minutes of the hearing."]}
    held = services.hearing_record(hearing=hearing, held=True, minutes="机构陈述了整改情况。", files=[pdf()],
                                   by=s.officer)
    assert (held.status, held.recorded_by, held.held_at is not None) == ("held", s.officer, True)
    assert list(case.documents.values_list("kind", flat=True)) == ["hearing"]
    assert decide(s, case, defence_answer="已听取意见。").status == Decision.Status.IN_FORCE


def test_sup3_a_hearing_not_attended_no_longer_blocks(s, letters):
    case, hearing = _requested(s)
    pass_deadline(case)
    services.hearing_schedule(hearing=hearing, scheduled_for=_soon(), place="会议室", by=s.officer)
    record = services.hearing_record(hearing=hearing, held=False, minutes="机构未到场。", by=s.officer)
    assert (record.status, record.held_at) == ("not_attended", None)
    assert notice.defence_period_state(case).may_decide


def test_sup3_the_institution_withdraws_its_request_and_the_head_may_decide(s, letters):
    case, hearing = _requested(s)
    pass_deadline(case)
    before = snapshot()
    with pytest.raises(errors.PermissionDenied) as caught:
        services.hearing_withdraw(hearing=hearing, by=s.officer)
    assert str(caught.value) == "Only the institution that asked for the hearing may withdraw the request."
    with pytest.raises(errors.NotFound):
        services.hearing_withdraw(hearing=hearing, by=s.other_admin)
    assert snapshot() == before
    withdrawn = services.hearing_withdraw(hearing=hearing, by=s.admin)
    assert withdrawn.status == "withdrawn"
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.hearing_withdraw(hearing=hearing, by=s.admin)
    assert str(caught.value) == "This hearing is withdrawn by the institution; it can no longer be changed."
    assert decide(s, case, defence_answer="已审查申辩意见。").pk
