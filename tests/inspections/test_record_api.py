"""The on-site record through /api/v1/inspections/ (SUP-1, SUP-2): the same services, rules and error shape
as the pages; list query budget."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.inspections.models import Evidence, Finding, Inspection, ItemResult
from tests.conftest import login_verified
from tests.inspections.factories import make_finding, make_inspection, make_order

from . import record_helpers
from .record_helpers import exe_as_png, png, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
reports = record_helpers.reports  # fixture
scene = record_helpers.scene  # fixture


def api(name, *args):
    return reverse(f"api:inspections-{name}", args=args)


def _json(client, method, url, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def test_sup1_list_detail_and_mine(client, scene):
    other = make_inspection(scene.plan, scene.institution, team=[scene.member])
    login_verified(client, scene.lead)
    mine = client.get(api("inspection-list"), {"mine": "1"}).json()["results"]
    assert [row["id"] for row in mine] == [scene.inspection.pk]
    everything = {row["id"] for row in client.get(api("inspection-list")).json()["results"]}
    assert {scene.inspection.pk, other.pk} <= everything
    detail = client.get(api("inspection-detail", scene.inspection.pk)).json()
    assert detail["number"] == scene.inspection.number and len(detail["team"]) == 2 and detail["report"] is None
    assert detail["total_items"] is None or detail["total_items"] == 3


def test_sup1_list_query_budget(client, scene, django_assert_max_num_queries):
    for _ in range(8):
        make_inspection(scene.plan, scene.institution, team=[scene.lead])
    login_verified(client, scene.lead)
    client.get(api("inspection-list"))
    with django_assert_max_num_queries(10):
        rows = client.get(api("inspection-list"), {"mine": "1"}).json()["results"]
    assert len(rows) == 9


def test_sup1_start_record_results_one_at_a_time(client, scene):
    planned = make_inspection(scene.plan, scene.institution, team=[scene.lead])
    login_verified(client, scene.lead)
    assert client.post(api("inspection-start", planned.pk)).json()["status"] == "in_progress"
    first, second = scene.items[0], scene.items[1]
    response = _json(client, "patch", api("inspection-result", planned.pk, first.pk), {"result": "major_nc",
                                                                                        "notes": "无演练"})
    assert response.status_code == 200 and response.json()["item_code"] == "T1"
    _json(client, "patch", api("inspection-result", planned.pk, second.pk), {"result": "compliant"})
    _json(client, "patch", api("inspection-result", planned.pk, first.pk), {"result": "minor_nc", "notes": "改"})
    assert dict(ItemResult.objects.filter(inspection=planned).values_list("item__code", "result")) == {
        "T1": "minor_nc", "T2": "compliant"}
    bad = _json(client, "patch", api("inspection-result", planned.pk, first.pk), {"result": "great"})
    assert bad.status_code == 400


def test_sup1_api_refuses_edits_of_a_closed_inspection_and_people_off_the_team(client, scene):
    login_verified(client, scene.outsider)
    response = _json(client, "patch", api("inspection-result", scene.inspection.pk, scene.items[0].pk),
                     {"result": "compliant"})
    assert response.status_code == 403
    client.logout()
    login_verified(client, scene.admin)
    assert client.get(api("inspection-detail", scene.inspection.pk)).status_code == 404
    client.logout()
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED)
    login_verified(client, scene.lead)
    response = _json(client, "patch", api("inspection-result", scene.inspection.pk, scene.items[0].pk),
                     {"result": "compliant"})
    assert response.status_code == 409 and "closed inspection" in response.json()["error"]["message"]
    assert not ItemResult.objects.exists()


def test_sup1_anonymous_api_is_refused(client, scene):
    assert client.get(api("inspection-list")).status_code in (401, 403)


def test_sup1_evidence_upload_checks_content_and_removal(client, scene, media):
    login_verified(client, scene.lead)
    bad = client.post(api("inspection-evidence", scene.inspection.pk), {"file": exe_as_png()})
    assert bad.status_code == 400 and "file" in bad.json()["error"]["fields"]
    assert stored_files(media) == []
    good = client.post(api("inspection-evidence", scene.inspection.pk), {"file": png(), "item": scene.items[0].pk,
                                                                         "caption": "机房"})
    assert good.status_code == 201 and good.json()["item"] == scene.items[0].pk
    evidence_id = good.json()["id"]
    download = client.get(api("evidence-detail", scene.inspection.pk, evidence_id))
    assert download.status_code == 200
    assert client.delete(api("evidence-detail", scene.inspection.pk, evidence_id)).status_code == 204
    assert not Evidence.objects.exists()


def test_sup1_findings_crud_and_referral(client, scene):
    login_verified(client, scene.lead)
    _json(client, "patch", api("inspection-result", scene.inspection.pk, scene.items[0].pk), {"result": "major_nc"})
    created = _json(client, "post", api("inspection-findings", scene.inspection.pk), {"item": scene.items[0].pk})
    assert created.status_code == 201 and created.json()["requirement_ids"] == "SEC-2"
    finding_id = created.json()["id"]
    changed = _json(client, "patch", api("finding-detail", finding_id), {"severity": "critical"})
    assert changed.json()["severity"] == "critical"
    free = _json(client, "post", api("inspection-findings", scene.inspection.pk), {"severity": "minor", "title": "x"})
    assert free.status_code == 400 and "description" in free.json()["error"]["fields"]
    withdrawn = _json(client, "post", api("finding-withdraw", finding_id), {"reason": "误判"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert len(client.get(api("inspection-findings", scene.inspection.pk)).json()) == 1
    confirmed = make_finding(scene.inspection)
    make_order(confirmed)
    assert _json(client, "post", api("finding-referral", confirmed.pk), {"note": ""}).status_code == 400
    referred = _json(client, "post", api("finding-referral", confirmed.pk), {"note": "建议立案"})
    assert referred.status_code == 200 and referred.json()["status"] == "referred"


def test_sup1_close_through_the_api_with_deadlines(client, scene, reports):
    scene.answer_all()
    finding = make_finding(scene.inspection)
    login_verified(client, scene.lead)
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    refused = _json(client, "post", api("inspection-close", scene.inspection.pk),
                    {"outcome": "rectification", "deadlines": {str(finding.pk): past}})
    assert refused.status_code == 400 and f"deadline_{finding.pk}" in refused.json()["error"]["fields"]
    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    closed = _json(client, "post", api("inspection-close", scene.inspection.pk),
                   {"outcome": "rectification", "summary": "完成", "deadlines": {str(finding.pk): later}})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["orders"][0]["deadline"] == later and reports == [scene.inspection.pk]
    assert Finding.objects.get().status == "confirmed"


def test_sup1_cancel_and_follow_up_through_the_api(client, scene):
    login_verified(client, scene.head)
    assert _json(client, "post", api("inspection-cancel", scene.inspection.pk), {"reason": ""}).status_code == 400
    cancelled = _json(client, "post", api("inspection-cancel", scene.inspection.pk), {"reason": "停业"})
    assert cancelled.json()["status"] == "cancelled"
    closed = make_inspection(scene.plan, scene.institution, team=[scene.lead], status=Inspection.Status.CLOSED)
    make_order(make_finding(closed))
    follow_up = _json(client, "post", api("inspection-follow-up", closed.pk),
                      {"team": [scene.lead.pk], "lead": scene.lead.pk})
    assert follow_up.status_code == 201 and follow_up.json()["follows"] == closed.pk
    assert follow_up.json()["findings"][0]["carried_from"] is not None
