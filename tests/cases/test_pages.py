"""Case pages (SUP-3, SUP-4, SEC-7): the officer's work list by next deadline, the jurisdiction's list with its
filters, the opening form (persons, evidence, refusals that save nothing), the case page for each reader (the
institution from the notice on, without the department's internal entries), officers, persons, evidence, the
audited document download, query budgets and both languages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cases.models import Case, CaseDocument, CaseOfficer, CaseParty
from apps.cases.services import notice as notice_services
from apps.cases.services import opening
from apps.core.models import AccessRecord
from tests.cases.factories import make_case
from tests.conftest import login_verified
from tests.institutions.factories import make_institution

from .test_opening_helpers import exe_as_png, media, pdf, png, s, snapshot, stored_files

pytestmark = pytest.mark.django_db
__all__ = ["media", "s"]  # fixtures


def url(name, *args):
    return reverse(f"cases:{name}", args=args)


def _as(client, user):
    client.logout()
    return login_verified(client, user)


def _position(html: str, text: str) -> int:
    assert text in html, text
    return html.index(text)


# --- work list and list ------------------------------------------------------------------------------------


def test_sup3_work_list_puts_the_next_deadline_first_and_marks_the_overdue(client, s):
    later = make_case(s, status="notified", deadline_days=20)
    sooner = make_case(s, status="notified", deadline_days=3)
    late = make_case(s, status="notified", deadline_days=-2)
    without = make_case(s, status="registered")
    not_mine = make_case(s, status="notified", deadline_days=1)
    CaseOfficer.objects.filter(case=not_mine).update(user=s.officer2)
    closed = make_case(s, status="decided")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    _as(client, s.officer)
    html = client.get(url("work_list")).content.decode()
    order = [_position(html, case.number) for case in (late, sooner, later, without)]
    assert order == sorted(order)
    assert not_mine.number not in html and closed.number not in html
    assert html.count('data-testid="overdue"') == 1 and 'class="table-danger"' in html
    _as(client, s.admin)
    assert client.get(url("work_list")).status_code == 404


def test_sup4_case_list_filters_as_the_statistics_link_them(client, s):
    this_year = timezone.localdate().year
    complaint = make_case(s, status="investigating", severity="minor", source=Case.Source.COMPLAINT,
                          articles=["M.21"])
    overdue = make_case(s, status="notified", deadline_days=-2)
    admonished = make_case(s, status="decided", measures=("admonition",))
    last_year = make_case(s, status="registered", opened_at=timezone.now() - datetime.timedelta(days=400))
    taijiang = make_case(s, status="registered")
    Case.objects.filter(pk=taijiang.pk).update(institution=make_institution("350103"), region_id="350103")
    _as(client, s.head)

    def listed(**params):
        html = client.get(url("list"), params).content.decode()
        return {case.number for case in (complaint, overdue, admonished, last_year, taijiang) if case.number in html}

    assert listed() == {complaint.number, overdue.number, admonished.number, last_year.number, taijiang.number}
    assert listed(source="complaint") == listed(severity="minor") == listed(article="M.21") == {complaint.number}
    assert listed(status="notified") == listed(overdue="1") == {overdue.number}
    assert listed(measure="admonition") == {admonished.number}
    label = client.get(url("list"), {"measure": "admonition", "year": this_year}).content.decode()
    assert f'data-testid="filter-label">Showing: Admonition · opened in {this_year}<' in label
    assert listed(region="350103") == {taijiang.number}
    assert last_year.number not in listed(year=this_year) and listed(year=this_year - 1) >= {last_year.number}
    assert listed(q=complaint.number) == {complaint.number}
    assert listed(status="open") == {complaint.number, overdue.number, admonished.number, last_year.number,
                                     taijiang.number}
    _as(client, s.other_city_head)
    assert client.get(url("list")).status_code == 200 and listed() == set()
    _as(client, s.admin)
    assert client.get(url("list")).status_code == 404


def test_sup4_list_and_work_list_query_budgets(client, s, django_assert_max_num_queries):
    for _ in range(3):
        make_case(s, status="notified")
    _as(client, s.officer)
    client.get(url("list"))
    with django_assert_max_num_queries(14):
        assert client.get(url("list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("work_list")).status_code == 200
    for _ in range(12):
        make_case(s, status="notified")
    with django_assert_max_num_queries(14):
        assert client.get(url("list"), {"overdue": "1", "article": "M.18"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(url("work_list")).status_code == 200


# --- opening -----------------------------------------------------------------------------------------------


def _open_data(s, **overrides):
    data = {"institution": s.institution.credit_code, "source": "complaint", "source_reference": "TS-2026-7",
            "title": "群众投诉数据泄露", "facts": "经查，机构未对重要数据进行加密。", "articles": ["M.18", "M.22"],
            "severity": "serious", "suspected_illegal": "on",
            "parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "0",
            "parties-MAX_NUM_FORMS": "20", "parties-0-name": "张三", "parties-0-position": "信息科科长",
            "parties-0-responsibility": "负责数据安全", "parties-1-name": "", "parties-1-position": ""}
    data.update(overrides)
    return data


def test_sup3_opening_form_opens_a_case_with_persons_and_evidence(client, s, media):
    _as(client, s.officer)
    page = client.get(url("open"), {"institution": s.institution.pk}).content.decode()
    assert 'name="articles"' in page and "Art. 17" in page and s.institution.credit_code in page
    response = client.post(url("open"), _open_data(s, files=[pdf(), png()]))
    case = Case.objects.get(title="群众投诉数据泄露")
    assert response.status_code == 302 and response["Location"] == url("detail", case.pk)
    assert (case.source, case.severity, case.articles, case.suspected_illegal) == ("complaint", "serious",
                                                                                   ["M.18", "M.22"], True)
    assert list(CaseParty.objects.filter(case=case).values_list("name", flat=True)) == ["张三"]
    assert CaseDocument.objects.filter(case=case, kind="evidence").count() == 2
    assert CaseOfficer.objects.get(case=case).user == s.officer
    html = client.get(url("detail", case.pk)).content.decode()
    assert "张三" in html and "TS-2026-7" in html and "Art. 22" in html


def test_sup3_opening_form_refuses_a_bad_file_and_an_institution_outside_the_jurisdiction(client, s, media):
    _as(client, s.officer)
    before = snapshot()
    response = client.post(url("open"), _open_data(s, files=[pdf(), exe_as_png()]))
    assert response.status_code == 400 and "is not a PDF, PNG or JPEG file" in response.content.decode()
    assert snapshot() == before and stored_files(media) == []
    xiamen = make_institution("350203")
    response = client.post(url("open"), _open_data(s, institution=xiamen.credit_code))
    assert response.status_code == 400
    assert "No institution in your jurisdiction has this code or name." in response.content.decode()
    assert snapshot() == before


def test_sup3_opening_form_is_for_those_who_open_cases(client, s):
    for user in (s.inspector, s.admin):
        _as(client, user)
        assert client.get(url("open")).status_code == 403
        assert client.post(url("open"), _open_data(s)).status_code == 403
    assert not Case.objects.exists()


# --- the case page -----------------------------------------------------------------------------------------


def test_sup3_case_page_for_each_reader(client, s):
    investigating = make_case(s, status="investigating")
    notified = make_case(s, status="notified")
    for user in (s.head, s.officer, s.officer2, s.inspector, s.province_head):
        _as(client, user)
        assert client.get(url("detail", investigating.pk)).status_code == 200
    _as(client, s.admin)
    assert client.get(url("detail", notified.pk)).status_code == 200
    assert client.get(url("detail", investigating.pk)).status_code == 404  # not disclosed before the notice
    assert investigating.number not in client.get(url("my_cases")).content.decode()
    for user in (s.other_admin, s.other_city_head, s.steward):
        _as(client, user)
        assert client.get(url("detail", notified.pk)).status_code == 404


def test_sec7_institution_never_sees_the_departments_internal_entries(client, s, media):
    case = make_case(s, status="investigating")
    opening.evidence_add(case=case, files=[pdf()], description="现场照片", by=s.officer)
    notice_services.notice_issue(case=case, facts=case.facts, articles=case.articles, severity="serious",
                                 proposed_measures=[{"measure": "interview", "details": ""}], by=s.officer)
    evidence = CaseDocument.objects.get(case=case)
    _as(client, s.officer)
    html = client.get(url("detail", case.pk)).content.decode()
    assert 'data-kind="evidence"' in html and 'data-kind="officer_assigned"' in html and "现场照片" in html
    assert 'data-testid="officers"' in html
    _as(client, s.admin)
    html = client.get(url("detail", case.pk)).content.decode()
    assert 'data-kind="notice"' in html
    assert 'data-kind="evidence"' not in html and 'data-kind="officer_assigned"' not in html
    assert "现场照片" not in html and 'data-testid="officers"' not in html
    assert client.get(url("document_download", evidence.pk)).status_code == 404


def test_sup3_case_page_query_budget_does_not_grow_with_the_case(client, s, media, django_assert_max_num_queries):
    case = make_case(s, status="notified")
    _as(client, s.officer)
    client.get(url("detail", case.pk))
    for user in (s.officer, s.head, s.admin):
        _as(client, user)
        with django_assert_max_num_queries(50):
            assert client.get(url("detail", case.pk)).status_code == 200
    for name in ("张三", "李四", "王五"):
        opening.party_add(case=case, name=name, position="科长", responsibility="", by=s.officer)
    opening.evidence_add(case=case, files=[pdf(), png(), pdf("b.pdf")], description="", by=s.officer)
    notice_services.defence_submit(case=case, statement="陈述", hearing_requested=True, files=[pdf()], by=s.admin)
    notice_services.defence_submit(case=case, statement="补充", files=[png()], by=s.admin)
    for user in (s.officer, s.head, s.admin):
        _as(client, user)
        with django_assert_max_num_queries(50):
            assert client.get(url("detail", case.pk)).status_code == 200


# --- officers, persons, evidence, investigation --------------------------------------------------------------


def test_sup3_heads_assign_and_release_officers(client, s):
    case = make_case(s, status="registered")
    _as(client, s.head)
    assert client.get(url("officers", case.pk)).status_code == 200
    response = client.post(url("officers", case.pk), {"action": "assign", "user": s.officer2.pk, "lead": ""})
    assert response.status_code == 302
    assert CaseOfficer.objects.filter(case=case, user=s.officer2, is_active=True).exists()
    before = snapshot()
    response = client.post(url("officers", case.pk), {"action": "release", "user": s.officer2.pk, "reason": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert snapshot() == before
    response = client.post(url("officers", case.pk), {"action": "release", "user": s.officer2.pk,
                                                      "reason": "调岗"})
    assert response.status_code == 302
    assert not CaseOfficer.objects.get(case=case, user=s.officer2).is_active
    _as(client, s.officer)
    assert client.get(url("officers", case.pk)).status_code == 403


def test_sup3_officers_add_persons_and_evidence_and_start_the_investigation(client, s, media):
    case = make_case(s, status="registered")
    _as(client, s.officer)
    response = client.post(url("party_add", case.pk), {"name": "王五", "position": "主任", "responsibility": ""})
    assert response.status_code == 302 and CaseParty.objects.get(case=case).name == "王五"
    before = snapshot()
    response = client.post(url("party_add", case.pk), {"name": "赵六", "position": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(url("evidence_add", case.pk), {"files": [exe_as_png()], "description": "照片"})
    assert response.status_code == 400 and "is not a PDF, PNG or JPEG file" in response.content.decode()
    assert snapshot() == before and stored_files(media) == []
    response = client.post(url("evidence_add", case.pk), {"files": [png()], "description": "照片"})
    assert response.status_code == 302 and CaseDocument.objects.get(case=case).description == "照片"
    assert client.post(url("investigate", case.pk)).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    _as(client, s.officer2)  # not assigned
    assert client.get(url("party_add", case.pk)).status_code == 403
    assert client.post(url("party_add", case.pk), {"name": "赵六", "position": "科员"}).status_code == 403
    assert CaseParty.objects.filter(case=case).count() == 1


def test_sup5_document_download_is_audited_and_follows_the_policy(client, s, media):
    case = make_case(s, status="notified")
    notice_services.defence_submit(case=case, statement="我们已整改。", files=[pdf("defence.pdf")], by=s.admin)
    opening.evidence_add(case=case, files=[png()], description="", by=s.officer)
    defence_doc = CaseDocument.objects.get(case=case, kind="defence")
    evidence = CaseDocument.objects.get(case=case, kind="evidence")
    _as(client, s.officer)
    response = client.get(url("document_download", evidence.pk))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert AccessRecord.objects.filter(object_id=str(evidence.pk)).exists()
    _as(client, s.admin)
    assert client.get(url("document_download", defence_doc.pk)).status_code == 200
    assert client.get(url("document_download", evidence.pk)).status_code == 404
    _as(client, s.other_admin)
    assert client.get(url("document_download", defence_doc.pk)).status_code == 404


# --- institution side, home panels, languages --------------------------------------------------------------


def test_sup3_institution_lists_its_cases_from_the_notice_on_with_the_deadline(client, s):
    notified = make_case(s, status="notified", deadline_days=4)
    hidden = make_case(s, status="investigating")
    _as(client, s.admin)
    html = client.get(url("my_cases")).content.decode()
    assert notified.number in html and hidden.number not in html
    assert (timezone.localdate() + datetime.timedelta(days=4)).isoformat() in html
    assert url("defence", notified.pk) in html
    _as(client, s.head)
    assert client.get(url("my_cases")).status_code == 404


def test_sup3_home_panels_for_officer_institution_and_head(client, s):
    waiting = make_case(s, status="notified", deadline_days=5)
    ready = make_case(s, status="notified", deadline_days=-1)
    _as(client, s.officer)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="panel-my-cases"' in html and ready.number in html and waiting.number in html
    _as(client, s.admin)
    html = client.get(reverse("core:home")).content.decode()
    panel = html.split('data-testid="panel-cases"', 1)[1]
    assert waiting.number in panel and ready.number not in panel.split("</div>", 1)[0]
    _as(client, s.head)
    html = client.get(reverse("core:home")).content.decode()
    panel = html.split('data-testid="panel-ready"', 1)[1].split("</div>", 1)[0]
    assert ready.number in panel and waiting.number not in panel
    assert url("decide", ready.pk) in panel


def test_sup3_navigation_entries_for_departments_institutions_and_the_public(client, s):
    _as(client, s.head)
    html = client.get(reverse("core:home")).content.decode()
    for name in ("work_list", "list", "appeal_list", "dashboard", "public_list", "verify"):
        assert f'href="{url(name)}"' in html, name
    _as(client, s.admin)
    html = client.get(reverse("core:home")).content.decode()
    assert f'href="{url("my_cases")}"' in html and f'href="{url("list")}"' not in html
    assert f'href="{url("appeal_list")}"' not in html


@pytest.mark.parametrize("name", ["list", "work_list", "open", "detail", "dashboard", "appeal_list"])
def test_sup3_department_pages_render_in_chinese(client, s, name):
    case = make_case(s, status="notified")
    _as(client, s.head)
    args = [case.pk] if name == "detail" else []
    response = client.get(url(name, *args), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and 'lang="zh-CN"' in response.content.decode()


@pytest.mark.parametrize("name", ["my_cases", "detail", "defence"])
def test_sup3_institution_pages_render_in_chinese(client, s, name):
    case = make_case(s, status="notified")
    _as(client, s.admin)
    args = [] if name == "my_cases" else [case.pk]
    response = client.get(url(name, *args), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and 'lang="zh-CN"' in response.content.decode()


# --- who may open which page -------------------------------------------------------------------------------

PAGES = [
    # (page, case stage, user, status): invisible -> 404, visible but not for this user -> 403
    ("detail", "investigating", "officer", 200), ("detail", "investigating", "head", 200),
    ("detail", "investigating", "admin", 404), ("detail", "notified", "admin", 200),
    ("detail", "notified", "other_admin", 404), ("detail", "notified", "other_city_head", 404),
    ("officers", "notified", "head", 200), ("officers", "notified", "province_head", 200),
    ("officers", "notified", "officer", 403), ("officers", "notified", "admin", 403),
    ("party_add", "investigating", "officer", 200), ("party_add", "investigating", "officer2", 403),
    ("evidence_add", "investigating", "officer", 200), ("evidence_add", "investigating", "inspector", 403),
    ("notice", "investigating", "officer", 200), ("notice", "investigating", "admin", 404),
    ("waiver_record", "notified", "officer", 200), ("waiver_record", "notified", "admin", 403),
    ("defence", "notified", "admin", 200), ("defence", "notified", "top_leader", 200),
    ("defence", "notified", "security_officer", 403), ("defence", "notified", "head", 403),
    ("defence", "notified", "other_admin", 404),
    ("decide", "notified", "head", 200), ("decide", "notified", "officer", 403),
    ("decide", "notified", "province_head", 403), ("decide", "notified", "admin", 403),
    ("drop", "investigating", "head", 200), ("drop", "investigating", "officer", 403),
    ("drop", "investigating", "admin", 404),
    ("close", "decided", "officer", 403), ("close", "decided", "other_city_head", 404),
    ("appeal", "decided", "admin", 200), ("appeal", "decided", "security_officer", 403),
    ("appeal", "decided", "officer", 403), ("appeal", "decided", "other_admin", 404),
]


@pytest.mark.parametrize(("page", "stage", "who", "expected"), PAGES)
def test_sup4_case_pages_answer_each_reader_as_the_policy_decides(client, s, page, stage, who, expected):
    case = make_case(s, status=stage)  # the head's decision page opens before the deadline too (it says why)
    _as(client, getattr(s, who))
    assert client.get(url(page, case.pk)).status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("officer", 200), ("head", 403), ("admin", 403),
                                               ("other_admin", 404)])
def test_sup4_measure_execution_page_answers_each_reader(client, s, who, expected):
    case = make_case(s, status="decided")
    measure = case.measures.get()
    _as(client, getattr(s, who))
    assert client.get(url("measure_execute", measure.pk)).status_code == expected


@pytest.mark.parametrize(("page", "who", "expected"), [
    ("work_list", "officer", 200), ("work_list", "admin", 404), ("list", "inspector", 200), ("list", "admin", 404),
    ("my_cases", "admin", 200), ("my_cases", "head", 404), ("dashboard", "inspector", 200),
    ("dashboard", "admin", 403), ("appeal_list", "province_head", 200), ("appeal_list", "officer", 404),
    ("appeal_list", "admin", 404), ("open", "officer", 200), ("open", "inspector", 403),
])
def test_sup4_lists_answer_each_reader(client, s, page, who, expected):
    _as(client, getattr(s, who))
    assert client.get(url(page)).status_code == expected
