"""Pages of the on-site record (SUP-1, SUP-2): the tablet page saves one item at a time through htmx (or a
plain POST) and never loses the others; team-only writes; inspection and finding pages; closing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.inspections.models import Evidence, Finding, Inspection, InspectionReport, ItemResult
from apps.inspections.services import inspections as services
from tests.conftest import login_verified
from tests.inspections.factories import make_finding, make_inspection, make_order

from . import record_helpers
from .record_helpers import exe_as_png, png, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
reports = record_helpers.reports  # fixture
scene = record_helpers.scene  # fixture


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


def _item_post(client, scene, item, result, notes="", htmx=True, **extra):
    prefix = f"item-{item.pk}-"
    data = {prefix + "result": result, prefix + "notes": notes, **{prefix + k: v for k, v in extra.items()}}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url("inspection_item_save", scene.inspection.pk, item.pk), data, **headers)


def test_sup1_record_page_groups_items_by_section_with_progress(client, scene):
    services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="compliant", notes="",
                                by=scene.lead)
    login_verified(client, scene.lead)
    response = client.get(url("inspection_record", scene.inspection.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 of 3 answered" in html and "数据安全" in html
    assert all(f'data-testid="item-form-{item.code}"' in html for item in scene.items)
    assert 'hx-post="' in html and "onclick" not in html and "<script>" not in html


def test_sup1_htmx_item_save_returns_the_item_and_leaves_the_others_intact(client, scene):
    services.item_result_record(inspection=scene.inspection, item=scene.items[1], result="minor_nc",
                                notes="记录不全", by=scene.member)
    login_verified(client, scene.lead)
    response = _item_post(client, scene, scene.items[0], "major_nc", "未演练")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="item-saved"' in html
    assert f'id="item-{scene.items[0].pk}"' in html and f'id="item-{scene.items[1].pk}"' not in html
    assert 'hx-swap-oob="true"' in html and "2 of 3 answered" in html
    assert dict(ItemResult.objects.values_list("item__code", "result")) == {"T1": "major_nc", "T2": "minor_nc"}
    assert ItemResult.objects.get(item=scene.items[1]).notes == "记录不全"
    # The failed item now offers a finding in one click.
    assert 'data-testid="finding-from-T1"' in html


def test_sup1_htmx_item_save_with_a_bad_file_shows_the_error_and_saves_nothing(client, scene, media):
    login_verified(client, scene.lead)
    response = _item_post(client, scene, scene.items[0], "compliant", file=exe_as_png())
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="item-errors"' in html and "not a PDF, PNG or JPEG" in html
    assert not ItemResult.objects.exists() and stored_files(media) == []


def test_sup1_item_save_without_js_redirects_back_to_the_item(client, scene, media):
    login_verified(client, scene.lead)
    response = _item_post(client, scene, scene.items[2], "observation", "建议", htmx=False, file=png(),
                          caption="照片")
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{scene.items[2].pk}")
    assert ItemResult.objects.get().result == "observation" and Evidence.objects.get().caption == "照片"
    response = _item_post(client, scene, scene.items[0], "", htmx=False)
    assert response.status_code == 400 and "1 of 3 answered" in response.content.decode()


def test_sup1_item_save_is_refused_to_people_off_the_team(client, scene):
    login_verified(client, scene.outsider)
    assert _item_post(client, scene, scene.items[0], "compliant").status_code == 403
    client.logout()
    login_verified(client, scene.xiamen_inspector)
    assert _item_post(client, scene, scene.items[0], "compliant").status_code == 404
    client.logout()
    login_verified(client, scene.admin)
    assert _item_post(client, scene, scene.items[0], "compliant").status_code == 404
    assert client.get(url("inspection_detail", scene.inspection.pk)).status_code == 404
    assert not ItemResult.objects.exists()


def test_sup1_closed_inspection_page_refuses_edits_with_a_clear_message(client, scene):
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED)
    login_verified(client, scene.lead)
    page = client.get(url("inspection_record", scene.inspection.pk)).content.decode()
    assert "is a closed inspection" in page and 'data-testid="item-form-T1"' not in page
    response = _item_post(client, scene, scene.items[0], "compliant")
    assert "closed inspection" in response.content.decode() and not ItemResult.objects.exists()


def test_sup1_anonymous_is_sent_to_sign_in(client, scene):
    response = client.get(url("inspection_record", scene.inspection.pk))
    assert response.status_code == 302 and "login" in response["Location"]


def test_sup1_start_button_starts_a_planned_inspection(client, scene):
    planned = make_inspection(scene.plan, scene.institution, team=[scene.lead])
    login_verified(client, scene.lead)
    assert 'data-testid="start"' in client.get(url("inspection_record", planned.pk)).content.decode()
    response = client.post(url("inspection_start", planned.pk))
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == "in_progress"


def test_sup1_one_click_finding_from_a_failed_item(client, scene):
    services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="major_nc", notes="无演练",
                                by=scene.lead)
    login_verified(client, scene.member)
    response = client.post(url("finding_add", scene.inspection.pk), {"item": scene.items[0].pk})
    finding = Finding.objects.get()
    assert response.status_code == 302 and response["Location"] == url("finding_detail", finding.pk)
    assert (finding.item, finding.requirement_ids, finding.description) == (scene.items[0], "SEC-2", "无演练")
    page = client.get(url("finding_detail", finding.pk)).content.decode()
    assert 'data-testid="edit-finding"' in page and "无演练" in page


def test_sup1_free_standing_finding_form_and_its_errors(client, scene):
    login_verified(client, scene.lead)
    assert client.get(url("finding_add", scene.inspection.pk)).status_code == 200
    response = client.post(url("finding_add", scene.inspection.pk), {"severity": "major", "title": "机房无门禁",
                                                                     "description": "门未锁"})
    assert response.status_code == 400 and "Name the requirement" in response.content.decode()
    response = client.post(url("finding_add", scene.inspection.pk), {"severity": "major", "title": "机房无门禁",
                                                                     "description": "门未锁", "article": "M.18"})
    assert response.status_code == 302 and Finding.objects.get().article == "M.18"


def test_sup1_finding_edit_and_withdraw_pages(client, scene):
    finding = make_finding(scene.inspection)
    login_verified(client, scene.lead)
    response = client.post(url("finding_edit", finding.pk), {"severity": "minor", "title": "改", "description": "事实",
                                                             "requirement_ids": "SEC-3", "article": ""})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.severity, finding.requirement_ids) == ("minor", "SEC-3")
    client.post(url("finding_withdraw", finding.pk), {"reason": ""})
    finding.refresh_from_db()
    assert finding.status == "open"
    client.post(url("finding_withdraw", finding.pk), {"reason": "误判"})
    finding.refresh_from_db()
    assert finding.status == "withdrawn"


def test_sup1_evidence_download_is_recorded_and_limited_to_readers(client, scene, media):
    from apps.core.models import AccessRecord

    evidence = services.evidence_add(inspection=scene.inspection, upload=png(), by=scene.lead)
    login_verified(client, scene.head)
    response = client.get(url("evidence_download", scene.inspection.pk, evidence.pk))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert AccessRecord.objects.filter(user=scene.head).exists()
    client.logout()
    login_verified(client, scene.admin)
    assert client.get(url("evidence_download", scene.inspection.pk, evidence.pk)).status_code == 404


def test_sup1_inspection_page_shows_every_section_and_the_report_link(client, scene, monkeypatch):
    finding = make_finding(scene.inspection)
    make_order(finding)
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED,
                                                             outcome="rectification", closed_at=timezone.now())
    login_verified(client, scene.head)
    html = client.get(url("inspection_detail", scene.inspection.pk)).content.decode()
    for section in ("overview", "team", "results", "findings", "orders", "report", "history"):
        assert f'id="{section}"' in html
    assert "Rectification required" in html and finding.title in html and 'data-testid="follow-up-link"' in html
    InspectionReport.objects.create(inspection=scene.inspection, department=scene.fuzhou, verification_code="ABC123")
    html = client.get(url("inspection_detail", scene.inspection.pk)).content.decode()
    assert 'data-testid="report"' in html


def test_sup1_close_page_with_deadlines_per_finding(client, scene, reports):
    scene.answer_all()
    finding = make_finding(scene.inspection, title="未开展演练")
    login_verified(client, scene.lead)
    page = client.get(url("inspection_close", scene.inspection.pk)).content.decode()
    assert f'name="deadline_{finding.pk}"' in page and "未开展演练" in page
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(url("inspection_close", scene.inspection.pk), {
        "outcome": "rectification", "summary": "", f"deadline_{finding.pk}": past})
    assert response.status_code == 400 and "after today" in response.content.decode()
    assert scene.reload().status == "in_progress"
    later = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    response = client.post(url("inspection_close", scene.inspection.pk), {
        "outcome": "rectification", "summary": "完成", f"deadline_{finding.pk}": later})
    assert response.status_code == 302 and scene.reload().status == "closed"
    finding.refresh_from_db()
    assert finding.order.deadline.isoformat() == later


def test_sup1_close_page_lists_unanswered_items(client, scene, reports):
    login_verified(client, scene.lead)
    page = client.get(url("inspection_close", scene.inspection.pk)).content.decode()
    assert 'data-testid="unanswered"' in page
    response = client.post(url("inspection_close", scene.inspection.pk), {"outcome": "no_action"})
    assert response.status_code == 400 and "T1, T2, T3" in response.content.decode()


def test_sup1_cancel_and_follow_up_pages(client, scene):
    login_verified(client, scene.head)
    response = client.post(url("inspection_cancel", scene.inspection.pk), {"reason": "机构停业"})
    assert response.status_code == 302 and scene.reload().status == "cancelled"
    closed = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED)
    make_order(make_finding(closed))
    assert client.get(url("inspection_follow_up", closed.pk)).status_code == 200
    response = client.post(url("inspection_follow_up", closed.pk), {"team": [scene.lead.pk, scene.member.pk],
                                                                    "lead": scene.lead.pk})
    follow_up = Inspection.objects.get(follows=closed)
    assert response.status_code == 302 and follow_up.findings.count() == 1
    client.logout()
    login_verified(client, scene.lead)
    assert client.get(url("inspection_follow_up", closed.pk)).status_code == 403


def test_sup1_refer_button_on_the_finding_page(client, scene):
    finding = make_finding(scene.inspection)
    make_order(finding)
    login_verified(client, scene.head)
    assert 'data-testid="refer"' in client.get(url("finding_detail", finding.pk)).content.decode()
    client.post(url("finding_refer", finding.pk), {"note": "建议立案"})
    finding.refresh_from_db()
    assert finding.status == "referred"


def test_sup1_record_page_query_budget(client, scene, django_assert_max_num_queries):
    scene.answer_all("major_nc")
    for item in scene.items:
        services.finding_add(inspection=scene.inspection, item=item, by=scene.lead)
    login_verified(client, scene.lead)
    client.get(url("inspection_record", scene.inspection.pk))
    with django_assert_max_num_queries(25):
        assert client.get(url("inspection_record", scene.inspection.pk)).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(url("inspection_detail", scene.inspection.pk)).status_code == 200
