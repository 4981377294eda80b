"""Opening and preparing a case (SUP-3, SUP-4, SEC-7): who opens where, what a case needs, one case per source
record; officers assigned and released with the grant; responsible persons; evidence checked before stored;
the start of the investigation. Every refusal saves nothing."""

import re

import pytest
from django.utils import timezone

from apps.cases.models import Case, CaseDocument, CaseOfficer, CaseParty
from apps.cases.services import opening
from apps.cases.workflows import HANDLE
from apps.core import errors, policy
from apps.notifications.models import Notification
from tests.cases.factories import make_case
from tests.conftest import make_user
from tests.factories import department

from .test_opening_helpers import exe_as_png, media, pdf, png, s, snapshot, stored_files

pytestmark = pytest.mark.django_db
__all__ = ["media", "s"]  # fixtures


def _open(s, by=None, **overrides):
    values = {"institution": s.institution, "source": "complaint", "title": "未按规定备份重要数据",
              "facts": "群众举报该机构数据未备份。", "articles": ["M.18", "M.30"], "severity": "serious"}
    values.update(overrides)
    return opening.case_open(by=by or s.officer2, **values)


def test_sup3_a_case_officer_opens_a_case_with_persons_and_evidence_and_leads_it(
        s, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _open(s, parties=[{"name": "王某", "position": "信息中心主任", "responsibility": "未落实备份"}],
                     files=[pdf(), png()], source_reference="TS-2025-001")
    assert re.fullmatch(rf"AJ{timezone.localdate().year}-350100-\d{{4}}", case.number)
    assert (case.status, case.department, case.region_id, case.opened_by) == ("registered", s.city, "350102",
                                                                             s.officer2)
    assert case.articles == ["M.18", "M.30"] and case.source_reference == "TS-2025-001"
    lead = CaseOfficer.objects.get(case=case)
    assert (lead.user, lead.is_lead, lead.is_active) == (s.officer2, True, True)
    assert policy.can(s.officer2, HANDLE, case) and not policy.can(s.officer, HANDLE, case)
    assert list(case.parties.values_list("name", "position")) == [("王某", "信息中心主任")]
    assert sorted(case.documents.values_list("kind", "content_type")) == [("evidence", "application/pdf"),
                                                                        ("evidence", "image/png")]
    assert len(stored_files(media)) == 2
    assert Notification.objects.filter(recipient=s.head, title__contains=case.number).exists()
    assert case.history.get().history_user == s.officer2


def test_sup3_a_head_opens_a_case_without_becoming_its_officer(s):
    case = _open(s, by=s.head)
    assert case.opened_by == s.head and not CaseOfficer.objects.filter(case=case).exists()


def test_sup3_case_numbers_count_per_department_and_year(s):
    first, second = _open(s), _open(s)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


def test_sup3_a_case_needs_known_articles_a_severity_and_facts_and_saves_nothing_otherwise(s, media):
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        _open(s, articles=["M.18", "M.99"], severity="extreme", facts=" \x00 ", source="rumour", title="",
              parties=[{"name": "王某", "position": ""}], files=[pdf(), exe_as_png()])
    problems = caught.value.field_errors
    assert problems["articles"] == ["“M.99” is not an article of the Measures a case can hold violated."]
    assert problems["severity"] == ["Choose the severity of the violation."]
    assert problems["facts"] == ["State the facts the case is about."]
    assert problems["source"] == ["Choose what the case is opened from."]
    assert problems["title"] == ["Give the case a subject."]
    assert problems["parties"] == ["Give the name and the position of each responsible person."]
    assert problems["files"] == ["“virus.png” is not a PDF, PNG or JPEG file."]
    with pytest.raises(errors.ValidationFailed) as caught:
        _open(s, articles=[])
    assert caught.value.field_errors["articles"] == ["Name at least one article violated."]
    assert snapshot() == before and stored_files(media) == []


def test_sup4_only_holders_of_open_case_within_the_jurisdiction_open_cases(s):
    before = snapshot()
    with pytest.raises(errors.NotFound):
        _open(s, by=s.other_city_head)  # Xiamen does not cover Gulou
    with pytest.raises(errors.PermissionDenied):
        _open(s, by=s.inspector)  # no open_case
    with pytest.raises(errors.PermissionDenied):
        _open(s, by=s.admin)
    assert snapshot() == before
    assert _open(s, by=s.province_head).department == s.province  # the province covers Gulou


def test_sup3_one_case_per_source_record(s):
    record = make_case(s)  # any saved record stands for an incident or a complaint here
    case = _open(s, source="incident", source_record=record)
    assert (case.source_type, case.source_id) == ("cases.case", str(record.pk))
    before = snapshot()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        _open(s, source="incident", source_record=record)
    assert str(caught.value) == f"Case {case.number} was already opened from this record."
    assert snapshot() == before


# --- officers ----------------------------------------------------------------------------------------------


def test_sup3_a_head_assigns_an_officer_who_gets_the_grant_and_can_become_lead(s):
    case = make_case(s)
    officer = opening.officer_assign(case=case, user=s.officer2, by=s.head)
    assert not officer.is_lead and policy.can(s.officer2, HANDLE, case)
    opening.officer_assign(case=case, user=s.province_officer, by=s.province_head, lead=True)
    leads = list(CaseOfficer.objects.filter(case=case, is_lead=True).values_list("user", flat=True))
    assert leads == [s.province_officer.pk]


def test_sup4_an_officer_of_another_department_cannot_be_assigned(s):
    case = make_case(s)
    xiamen_officer = make_user(s.other_city, "case_officer")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.officer_assign(case=case, user=xiamen_officer, by=s.head)
    assert caught.value.field_errors["user"] == [
        f"{xiamen_officer} belongs to 厦门市卫生健康委员会, whose jurisdiction does not cover {s.institution.name}."]
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.officer_assign(case=case, user=s.inspector, by=s.head)
    assert caught.value.field_errors["user"] == [f"{s.inspector} is not an active case officer or department head."]
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.officer_assign(case=case, user=s.officer, by=s.head)
    assert caught.value.field_errors["user"] == [f"{s.officer} is already assigned to this case."]
    assert snapshot() == before and not policy.can(xiamen_officer, HANDLE, case)


def test_sup4_only_a_head_of_the_handling_department_or_above_assigns(s):
    case = make_case(s)
    county_head = make_user(department("350102", "county", "福州市鼓楼区卫生健康局"), "department_head")
    before = snapshot()
    with pytest.raises(errors.PermissionDenied) as caught:
        opening.officer_assign(case=case, user=s.officer2, by=county_head)  # covers Gulou, below Fuzhou
    assert str(caught.value) == ("Only a head of the handling department, or of a department above it, assigns "
                                 "the officers of a case.")
    with pytest.raises(errors.PermissionDenied):
        opening.officer_assign(case=case, user=s.officer2, by=s.officer)  # an officer does not assign
    with pytest.raises(errors.NotFound):
        opening.officer_assign(case=case, user=s.officer2, by=s.other_city_head)
    assert snapshot() == before


def test_sup3_the_grant_is_revoked_on_release_and_the_lead_passes_on(s):
    case = make_case(s)
    opening.officer_assign(case=case, user=s.officer2, by=s.head)
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.officer_release(case=case, user=s.officer, by=s.head, reason=" ")
    assert caught.value.field_errors["reason"] == ["Say why the officer is released."]
    assert policy.can(s.officer, HANDLE, case)
    released = opening.officer_release(case=case, user=s.officer, by=s.head, reason="调岗")
    assert (released.is_active, released.released_at is not None) == (False, True)
    assert not policy.can(s.officer, HANDLE, case)
    assert CaseOfficer.objects.get(case=case, user=s.officer2).is_lead
    with pytest.raises(errors.PermissionDenied):
        opening.investigation_start(case=case, by=s.officer)  # still sees the case (role), no longer acts
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.officer_release(case=case, user=s.officer, by=s.head, reason="again")
    assert caught.value.field_errors["user"] == [f"{s.officer} is not assigned to this case."]


# --- preparing the case ------------------------------------------------------------------------------------


def test_sup3_officers_name_responsible_persons_before_the_decision(s):
    case = make_case(s, status="investigating")
    party = opening.party_add(case=case, name="王某", position="院长", responsibility="第一责任人", by=s.officer)
    assert (party.case, party.added_by) == (case, s.officer)
    with pytest.raises(errors.PermissionDenied) as caught:
        opening.party_add(case=case, name="李某", position="主任", responsibility="", by=s.officer2)
    assert str(caught.value) == f"Only the officers assigned to case {case.number} may do this."
    decided = make_case(s, status="decided")
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        opening.party_add(case=decided, name="李某", position="主任", responsibility="", by=s.officer)
    assert str(caught.value) == "Responsible persons are named before the decision."
    assert CaseParty.objects.count() == 1


def test_sec7_evidence_is_checked_before_any_file_is_stored(s, media):
    case = make_case(s, status="investigating")
    before = snapshot()
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.evidence_add(case=case, files=[pdf(), exe_as_png()], description="现场照片", by=s.officer)
    assert caught.value.field_errors["files"] == ["“virus.png” is not a PDF, PNG or JPEG file."]
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.evidence_add(case=case, files=[], description="", by=s.officer)
    assert caught.value.field_errors["files"] == ["Choose the files to add."]
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.evidence_add(case=case, files=[png() for _ in range(11)], description="", by=s.officer)
    assert caught.value.field_errors["files"] == ["Attach at most 10 files at a time."]
    assert snapshot() == before and stored_files(media) == []
    documents = opening.evidence_add(case=case, files=[pdf()], description="检查笔录", by=s.officer)
    assert [(d.kind, d.description, d.uploaded_by) for d in documents] == [("evidence", "检查笔录", s.officer)]
    assert len(stored_files(media)) == 1


def test_sec7_a_file_stored_before_a_later_failure_is_removed_again(s, media, monkeypatch):
    case = make_case(s, status="investigating")
    from apps.cases.services import documents

    real = documents.save_tracked
    calls = []

    def failing_second(obj, **kwargs):
        calls.append(obj)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(obj, **kwargs)

    monkeypatch.setattr(documents, "save_tracked", failing_second)
    with pytest.raises(RuntimeError):
        opening.evidence_add(case=case, files=[pdf(), png()], description="", by=s.officer)
    assert stored_files(media) == [] and not CaseDocument.objects.exists()


def test_sup3_an_assigned_officer_starts_the_investigation(s):
    case = make_case(s)
    before = snapshot()
    with pytest.raises(errors.PermissionDenied) as caught:
        opening.investigation_start(case=case, by=s.officer2)
    assert str(caught.value) == f"Only the officers assigned to case {case.number} may do this."
    with pytest.raises(errors.NotFound):
        opening.investigation_start(case=case, by=s.admin)  # the institution does not see it before the notice
    with pytest.raises(errors.NotFound):
        opening.investigation_start(case=case, by=s.other_city_head)
    assert snapshot() == before
    case = opening.investigation_start(case=case, by=s.officer)
    assert case.status == Case.Status.INVESTIGATING and case.investigation_started_at is not None
    with pytest.raises(errors.TransitionNotAllowed):
        opening.investigation_start(case=case, by=s.officer)


def test_sec7_a_file_over_10_mb_is_refused(s, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = make_case(s, status="investigating")
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(errors.ValidationFailed) as caught:
        opening.evidence_add(case=case, files=[big], description="", by=s.officer)
    assert caught.value.field_errors["files"] == [
        "“big.pdf” is 10.0\xa0MB; the largest accepted file is 10.0\xa0MB."]
    assert stored_files(media) == []


def test_sec7_documents_are_read_by_the_jurisdiction_and_the_institution_its_own_kinds(s, media):
    from apps.cases.services import documents, notice

    case = make_case(s, status="notified")
    evidence = opening.evidence_add(case=case, files=[pdf()], description="笔录", by=s.officer)[0]
    defence = notice.defence_submit(case=case, statement="申辩", files=[png()], by=s.admin)
    own = defence.documents.get()
    assert documents.document_get(s.head, evidence.pk) == evidence
    assert documents.document_get(s.admin, own.pk) == own
    for user, pk in ((s.admin, evidence.pk), (s.other_admin, own.pk), (s.other_city_head, evidence.pk),
                     (s.head, "x1"), (s.head, 10**9)):
        with pytest.raises(errors.NotFound):
            documents.document_get(user, pk)
