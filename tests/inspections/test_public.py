"""Publication of double-random draws (SUP-1, SUP-2): anyone reads published draws, their targets' inspections
and rectification status, and replays the protocol; nothing else is public."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.inspections.models import Inspection, RectificationOrder
from apps.inspections.selectors_plans import rectification_status_by_inspection
from apps.inspections.services import selection as services
from tests.conftest import make_user
from tests.inspections.factories import make_finding, make_inspector, make_order, make_plan
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(fuzhou):
    return make_user(fuzhou, "department_head")


@pytest.fixture
def plan(fuzhou, head):
    pool = [make_inspector(fuzhou, mobile="13912345678", email=f"insp{n}@gov.example") for n in range(3)]
    return make_plan(fuzhou, by=head, pool=pool)


@pytest.fixture
def drawn(plan, head):
    for _ in range(4):
        make_institution("350102")
    return services.selection_draw(plan=plan, target_count=3, team_size=2, by=head)


def test_anonymous_reads_published_draws_with_their_inspections(client, drawn):
    response = client.get(reverse("inspections:public_results"))
    body = response.content.decode()
    assert response.status_code == 200 and drawn.digest in body and drawn.plan.title in body
    for inspection in drawn.inspections.select_related("institution"):
        assert inspection.institution.name in body


def test_public_draw_page_shows_seed_inputs_and_inspector_names_but_no_contact_data(client, drawn):
    body = client.get(reverse("inspections:public_selection", args=[drawn.pk])).content.decode()
    assert drawn.seed in body and drawn.digest in body
    member = drawn.inspections.first().team.select_related("user").first().user
    assert member.get_full_name() in body
    assert "13912345678" not in body and "@gov.example" not in body


def test_risk_selections_are_not_public(client, plan, head):
    make_institution("350102")
    risk = services.selection_risk_create(plan=plan, target_count=1, team_size=1, by=head)
    assert client.get(reverse("inspections:public_selection", args=[risk.pk])).status_code == 404
    assert client.get(reverse("inspections:public_protocol", args=[risk.pk])).status_code == 404
    assert risk.digest not in client.get(reverse("inspections:public_results")).content.decode()
    assert client.get(reverse("api:inspections-public-selection", args=[risk.pk])).status_code == 404


def test_void_draws_stay_public_with_their_reason(client, drawn, head):
    services.selection_draw(plan=drawn.plan, target_count=2, team_size=2, by=head, void_reason="候选名单有误，重新抽取")
    body = client.get(reverse("inspections:public_results")).content.decode()
    assert "候选名单有误，重新抽取" in body and body.count('data-testid="public-draw"') == 2


def test_rectification_status_none_in_progress_completed_overdue(drawn):
    first, second, third = drawn.inspections.order_by("pk")
    make_order(make_finding(first), status=RectificationOrder.Status.ACCEPTED)
    make_order(make_finding(second), status=RectificationOrder.Status.SUBMITTED)
    make_order(make_finding(second), status=RectificationOrder.Status.ACCEPTED)
    make_order(make_finding(third), deadline=timezone.localdate() - datetime.timedelta(days=1))
    make_order(make_finding(third), status=RectificationOrder.Status.CANCELLED)
    statuses = rectification_status_by_inspection([first.pk, second.pk, third.pk])
    assert statuses == {first.pk: "completed", second.pk: "in_progress", third.pk: "overdue"}
    assert rectification_status_by_inspection([]) == {}


def test_public_results_within_query_budget(client, fuzhou, head, django_assert_max_num_queries):
    for _ in range(3):
        plan = make_plan(fuzhou, by=head, pool=[make_inspector(fuzhou)])
        make_institution("350102")
        services.selection_draw(plan=plan, target_count=1, team_size=1, by=head,
                                void_reason="" if not plan.selections.exists() else "x")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("inspections:public_results"))
    assert response.status_code == 200 and response.content.decode().count('data-testid="public-draw"') == 3


def test_public_api_lists_draws_without_sign_in(client, drawn):
    response = client.get(reverse("api:inspections-public-results"))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["digest"] == drawn.digest and len(row["inspections"]) == 3
    assert {item["rectification_status"] for item in row["inspections"]} == {"none"}
    detail = client.get(reverse("api:inspections-public-selection", args=[drawn.pk])).json()
    assert detail["seed"] == drawn.seed and detail["candidate_count"] == 4 and len(detail["targets"]) == 3


def test_downloaded_protocol_replays_offline(client, drawn, tmp_path):
    response = client.get(reverse("inspections:public_protocol", args=[drawn.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    path = tmp_path / "protocol.json"
    path.write_bytes(response.content)
    out = io.StringIO()
    call_command("inspections_replay_draw", str(path), stdout=out)
    assert "Same result" in out.getvalue()
    protocol = json.loads(response.content)
    protocol["candidates"].append(999999)
    path.write_text(json.dumps(protocol))
    with pytest.raises(CommandError):
        call_command("inspections_replay_draw", str(path), stdout=io.StringIO())


def test_replay_command_refuses_a_file_that_is_not_a_protocol(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(CommandError, match="missing"):
        call_command("inspections_replay_draw", str(path))


def test_cancelled_inspections_show_their_status(client, drawn, head):
    services.selection_draw(plan=drawn.plan, target_count=1, team_size=1, by=head, void_reason="重抽")
    assert set(drawn.inspections.values_list("status", flat=True)) == {Inspection.Status.CANCELLED}
    assert "Cancelled" in client.get(reverse("inspections:public_selection", args=[drawn.pk])).content.decode()
