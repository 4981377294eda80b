"""Executing the measures and closing the case (SUP-3): officers record each execution with a note and
documents; an ordered rectification is executed only by accepting its order's report; the case closes once no
measure is pending. Refusals save nothing."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Case, CaseMeasure
from apps.cases.services import decisions as services
from apps.cases.services import rectification
from apps.core import errors
from tests.cases.factories import make_case

from .test_opening_helpers import (
    decide,
    exe_as_png,
    letters,
    media,
    pass_deadline,
    pdf,
    s,
    snapshot,
    stored_files,
)

pytestmark = pytest.mark.django_db
__all__ = ["letters", "media", "s"]  # fixtures


def test_sup3_an_officer_records_the_execution_of_a_measure(s, media):
    case = make_case(s, status="decided", measures=("interview",))
    measure = case.measures.get()
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.measure_execute(measure=measure, note=" ", files=[exe_as_png()], by=s.officer)
    assert caught.value.field_errors == {"note": ["Record how the measure was executed."],
                                         "files": ["“virus.png” is not a PDF, PNG or JPEG file."]}
    with pytest.raises(errors.PermissionDenied):
        services.measure_execute(measure=measure, note="已约谈", by=s.head)  # heads decide, officers execute
    with pytest.raises(errors.NotFound):
        services.measure_execute(measure=measure, note="已约谈", by=s.other_city_head)
    assert snapshot() == before and stored_files(media) == []
    executed = services.measure_execute(measure=measure, note="2025年5月6日约谈院长。", files=[pdf()], by=s.officer)
    assert (executed.execution, executed.executed_by, executed.execution_note) == (
        "executed", s.officer, "2025年5月6日约谈院长。")
    assert list(case.documents.values_list("kind", flat=True)) == ["execution"]
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.measure_execute(measure=measure, note="again", by=s.officer)
    assert str(caught.value) == "This measure is executed; there is nothing to execute."


def test_sup3_a_rectification_is_not_executed_by_hand(s):
    case = make_case(s, status="decided", measures=("interview", "rectification"))
    measure = case.measures.get(kind="rectification")
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.measure_execute(measure=measure, note="已整改", by=s.officer)
    assert str(caught.value) == ("An ordered rectification is executed by accepting the institution's "
                                 "rectification report, not by hand.")
    assert snapshot() == before


def test_sup3_close_is_refused_while_a_measure_is_pending(s):
    case = make_case(s, status="decided", measures=("interview", "admonition"))
    services.measure_execute(measure=case.measures.get(kind="interview"), note="已约谈", by=s.officer)
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.case_close(case=case, note="结案", by=s.officer)
    assert str(caught.value) == "1 measure(s) still to be executed: Admonition."
    assert snapshot() == before
    services.measure_execute(measure=case.measures.get(kind="admonition"), note="已告诫", by=s.officer)
    with pytest.raises(errors.PermissionDenied):
        services.case_close(case=case, note="结案", by=s.head)
    closed = services.case_close(case=case, note="措施均已执行。", by=s.officer)
    assert (closed.status, closed.closing_note, closed.closed_at is not None) == ("closed", "措施均已执行。", True)
    with pytest.raises(errors.TransitionNotAllowed):
        services.measure_execute(measure=case.measures.get(kind="interview"), note="x", by=s.officer)


def test_sup3_an_accepted_rectification_executes_its_measure_and_the_case_closes(s, letters):
    case = make_case(s, status="notified")
    pass_deadline(case)
    decision = decide(s, case, measures=[
        {"kind": "rectification", "deadline": timezone.localdate() + datetime.timedelta(days=20)}])
    order = decision.measures.get().rectification
    with pytest.raises(errors.TransitionNotAllowed):
        services.case_close(case=case, by=s.officer)
    rectification.rectification_respond(rectification=order, report="已完成异地备份。", by=s.admin)
    rectification.rectification_verify(rectification=order, accept=True, by=s.officer)
    assert CaseMeasure.objects.get(pk=order.measure_id).execution == "executed"
    assert services.case_close(case=case, by=s.officer).status == Case.Status.CLOSED


def test_sup3_an_appeal_does_not_suspend_execution(s):
    case = make_case(s, status="decided", measures=("interview",))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.UNDER_REVIEW)
    measure = services.measure_execute(measure=case.measures.get(), note="已约谈", by=s.officer)
    assert measure.execution == "executed"
