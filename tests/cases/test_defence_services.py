"""The institution's defence (SUP-3): its own people holding defend_case, on the current notice, until the
deadline (the day itself included) and not after a waiver; a statement or a waiver; documents checked; a
request for a hearing. An officer records a written waiver received on paper. Every refusal saves nothing."""

import pytest

from apps.cases.models import CaseDocument, Defence, Hearing
from apps.cases.services import notice as services
from apps.core import errors
from apps.notifications.models import Notification
from tests.cases.factories import make_case

from .test_opening_helpers import exe_as_png, media, pdf, png, s, snapshot, stored_files

pytestmark = pytest.mark.django_db
__all__ = ["media", "s"]  # fixtures


def test_sup3_the_institution_states_its_defence_with_documents(s, media, django_capture_on_commit_callbacks):
    case = make_case(s, status="notified")
    with django_capture_on_commit_callbacks(execute=True):
        defence = services.defence_submit(case=case, statement="我院已完成整改。", files=[pdf(), png()], by=s.admin)
    assert (defence.kind, defence.notice, defence.submitted_by, defence.waives_period) == (
        "statement", case.notices.get(), s.admin, False)
    assert sorted(defence.documents.values_list("kind", flat=True)) == ["defence", "defence"]
    assert len(stored_files(media)) == 2
    assert Notification.objects.filter(recipient=s.officer, title__contains=case.number).exists()
    # More statements may follow until the deadline; the top leader holds defend_case too.
    services.defence_submit(case=case, statement="补充说明。", by=s.top_leader)
    assert Defence.objects.filter(case=case).count() == 2


def test_sup3_the_deadline_day_itself_is_still_open(s):
    case = make_case(s, status="notified", deadline_days=0)
    assert services.defence_submit(case=case, statement="最后一天提交。", by=s.admin).pk


def test_sup3_a_defence_after_the_deadline_is_refused(s, media):
    case = make_case(s, status="notified", deadline_days=-1)
    deadline = case.notices.get().defence_deadline
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.defence_submit(case=case, statement="迟到的申辩。", files=[pdf()], by=s.admin)
    assert str(caught.value) == f"The defence period ended on {deadline.isoformat()}; no defence can be submitted any more."
    assert snapshot() == before and stored_files(media) == []


def test_sup3_a_defence_after_a_waiver_is_refused(s):
    case = make_case(s, status="notified")
    waiver = services.defence_submit(case=case, statement="", waives_period=True, by=s.admin)
    assert (waiver.kind, waiver.waives_period, waiver.recorded_on_paper) == ("waiver", True, False)
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.defence_submit(case=case, statement="又想申辩。", by=s.admin)
    assert str(caught.value) == ("The institution has waived the rest of the defence period; no further defence can "
                                 "be submitted.")
    assert snapshot() == before


def test_sup3_only_the_institution_concerned_states_a_defence(s):
    case = make_case(s, status="notified")
    investigating = make_case(s, status="investigating")
    before = snapshot()
    with pytest.raises(errors.NotFound):
        services.defence_submit(case=case, statement="第三方。", by=s.other_admin)
    with pytest.raises(errors.NotFound):
        services.defence_submit(case=case, statement="无权限。", by=s.steward)  # cannot read cases at all
    for user in (s.security_officer, s.officer, s.head):  # they see the case, may not defend
        with pytest.raises(errors.PermissionDenied) as caught:
            services.defence_submit(case=case, statement="代为申辩。", by=user)
        assert str(caught.value) == "Only the institution concerned may state a defence."
    with pytest.raises(errors.NotFound):  # not notified yet: the institution does not see it
        services.defence_submit(case=investigating, statement="x", by=s.admin)
    assert snapshot() == before


def test_sup3_a_statement_or_a_waiver_is_required_and_files_are_checked(s, media):
    case = make_case(s, status="notified")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.defence_submit(case=case, statement=" \x00", files=[exe_as_png()], by=s.admin)
    assert caught.value.field_errors == {
        "statement": ["Write the statement of defence, or waive the rest of the period."],
        "files": ["“virus.png” is not a PDF, PNG or JPEG file."]}
    with pytest.raises(errors.ValidationFailed) as caught:
        services.defence_submit(case=case, statement="申辩", hearing_requested=True, waives_period=True, by=s.admin)
    assert caught.value.field_errors == {"hearing_requested": [
        "A hearing cannot be requested together with a waiver of the defence period."]}
    assert snapshot() == before and stored_files(media) == []


def test_sup3_a_hearing_requested_in_the_defence_is_created_once(s):
    case = make_case(s, status="notified")
    services.defence_submit(case=case, statement="请求听证。", hearing_requested=True, by=s.admin)
    hearing = Hearing.objects.get(case=case)
    assert (hearing.status, hearing.requested_by, hearing.notice) == ("requested", s.admin, case.notices.get())
    with pytest.raises(errors.ValidationFailed) as caught:
        services.defence_submit(case=case, statement="再次请求。", hearing_requested=True, by=s.admin)
    assert caught.value.field_errors == {"hearing_requested": ["A hearing has already been requested on this notice."]}
    assert Hearing.objects.filter(case=case).count() == 1


def test_sup3_an_officer_records_a_written_waiver_received_on_paper(s, media):
    case = make_case(s, status="notified")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.waiver_record(case=case, files=[], note="纸质放弃书", by=s.officer)
    assert caught.value.field_errors == {"files": ["Attach the signed written waiver."]}
    with pytest.raises(errors.PermissionDenied):
        services.waiver_record(case=case, files=[pdf()], note="纸质放弃书", by=s.officer2)  # not assigned
    with pytest.raises(errors.NotFound):
        services.waiver_record(case=case, files=[pdf()], note="纸质放弃书", by=s.other_city_head)
    assert snapshot() == before and stored_files(media) == []
    waiver = services.waiver_record(case=case, files=[pdf()], note="机构书面放弃申辩期", by=s.officer)
    assert (waiver.kind, waiver.waives_period, waiver.recorded_on_paper, waiver.submitted_by) == (
        "waiver", True, True, s.officer)
    assert list(CaseDocument.objects.filter(defence=waiver).values_list("kind", flat=True)) == ["waiver"]
    assert services.defence_period_state(case).waived
    with pytest.raises(errors.TransitionNotAllowed):
        services.waiver_record(case=case, files=[pdf()], note="again", by=s.officer)
