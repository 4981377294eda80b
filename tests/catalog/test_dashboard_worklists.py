"""Providers' work list of incoming applications, home panels and navigation of the catalog (SVC-2, SVC-3, SVC-4)."""

import datetime

import pytest
from django.utils import timezone

from apps.catalog.models import GrantReport, ResourceVersion, RouteStep, SharingApplication
from apps.catalog.services import dashboard as dashboard_services
from apps.core import errors, policy
from apps.core.home import panels_for
from apps.core.navigation import navigation_for
from tests.catalog.factories import make_application, make_resource, provider_institution
from tests.catalog.letters_factories import make_grant, make_report, make_step
from tests.conftest import login_verified, make_user

A = SharingApplication.Status
S = RouteStep.Status


@pytest.fixture
def incoming(db, fuzhou):
    today = timezone.localdate()
    provider, provider_admin = provider_institution("350102", name="鼓楼区数据提供医院")
    resource = make_resource(provider.organisation, by=provider_admin)
    second = make_resource(provider.organisation, by=provider_admin)
    other_provider, other_admin = provider_institution("350102")
    other_resource = make_resource(other_provider.organisation, by=other_admin)
    applicant, applicant_admin = provider_institution("350203", name="厦门市申请研究所")

    def apply(resources, status=A.IN_REVIEW):
        return make_application(applicant.organisation, [(r, ["诊断编码"]) for r in resources], by=applicant_admin,
                                status=status, round=1, level=3, submitted_at=timezone.now())

    ours_now = apply([resource, second])  # two of our resources in one application: listed once
    our_step = make_step(ours_now, provider.organisation, order=1, status=S.ACTIVE,
                         due_on=today - datetime.timedelta(days=1))
    make_step(ours_now, fuzhou, order=2, kind="provider_municipal", status=S.WAITING)
    at_department = apply([resource])
    make_step(at_department, provider.organisation, order=1, status=S.APPROVED)
    make_step(at_department, fuzhou, order=2, kind="provider_municipal", status=S.ACTIVE,
              due_on=today + datetime.timedelta(days=7))
    approved = apply([resource], status=A.APPROVED)
    draft = apply([resource], status=A.DRAFT)
    not_ours = apply([other_resource])
    return {"provider_admin": provider_admin, "provider": provider, "ours_now": ours_now, "our_step": our_step,
            "at_department": at_department, "approved": approved, "draft": draft, "not_ours": not_ours,
            "other_admin": other_admin, "applicant_admin": applicant_admin, "fuzhou": fuzhou}


def test_provider_sees_applications_for_its_data_with_the_current_step_SVC_2(client, incoming):
    rows = list(dashboard_services.incoming_applications(incoming["provider_admin"], {}))
    assert {row.pk for row in rows} == {incoming["ours_now"].pk, incoming["at_department"].pk, incoming["approved"].pk}
    assert len(rows) == 3  # an application requesting two of our resources is listed once
    assert rows[0].pk == incoming["ours_now"].pk and rows[0].our_turn  # our turn first
    by_pk = {row.pk: row for row in rows}
    department_row = by_pk[incoming["at_department"].pk]
    assert not department_row.our_turn and department_row.current_kind == "provider_municipal"
    assert department_row.current_organisation == incoming["fuzhou"].name
    assert by_pk[incoming["ours_now"].pk].our_due_on == incoming["our_step"].due_on
    assert by_pk[incoming["approved"].pk].current_kind is None
    counts = dashboard_services.incoming_counts(incoming["provider_admin"])
    assert {row["status"]: row["count"] for row in counts["statuses"]}["in_review"] == 2
    assert counts["total"] == 3 and counts["our_turn"] == 1 and counts["our_overdue"] == 1
    assert "draft" not in {row["status"] for row in counts["statuses"]}


def test_incoming_page_filters_and_marks_our_turn(client, incoming, django_assert_max_num_queries):
    login_verified(client, incoming["provider_admin"])
    with django_assert_max_num_queries(13):
        page = client.get("/catalog/incoming/").content.decode()
    assert incoming["ours_now"].number in page and incoming["not_ours"].number not in page
    assert incoming["draft"].number not in page and 'data-testid="our-turn"' in page
    assert f'href="/catalog/applications/{incoming["ours_now"].pk}/"' in page
    ours = client.get("/catalog/incoming/", {"turn": "ours"}).content.decode()
    assert incoming["ours_now"].number in ours and incoming["at_department"].number not in ours
    approved = client.get("/catalog/incoming/", {"status": "approved"}).content.decode()
    assert incoming["approved"].number in approved and incoming["ours_now"].number not in approved


def test_incoming_query_count_does_not_grow(client, incoming, django_assert_max_num_queries):
    login_verified(client, incoming["provider_admin"])
    resource = make_resource(incoming["provider"].organisation, by=incoming["provider_admin"])
    applicant, admin = provider_institution("350203")
    for _ in range(10):
        application = make_application(applicant.organisation, [(resource, ["诊断编码"])], by=admin,
                                       status=A.IN_REVIEW, round=1, submitted_at=timezone.now())
        make_step(application, incoming["provider"].organisation, order=1, status=S.ACTIVE)
    with django_assert_max_num_queries(13):
        assert client.get("/catalog/incoming/").status_code == 200


def test_other_institutions_and_departments_do_not_get_the_list(client, incoming):
    assert not dashboard_services.incoming_applications(incoming["other_admin"], {}).filter(
        pk=incoming["ours_now"].pk).exists()
    department_user = make_user(incoming["fuzhou"], "reviewer")
    with pytest.raises(errors.PermissionDenied):
        dashboard_services.incoming_applications(department_user, {})
    login_verified(client, department_user)
    assert client.get("/catalog/incoming/").status_code == 403


# --- home panels -------------------------------------------------------------------------------------------


def _panel(user, template):
    return next((panel for panel in panels_for(user) if panel["template"] == template), None)


def test_department_panel_counts_named_steps_and_entries_to_review(client, incoming):
    reviewer = make_user(incoming["fuzhou"], "reviewer")
    step = RouteStep.objects.get(application=incoming["at_department"], kind="provider_municipal")
    policy.grant(reviewer, "catalog.decide_routestep", step)
    pending = make_resource(incoming["provider"].organisation, status=ResourceVersion.Status.SUBMITTED)
    assert pending.versions.get().status == "submitted"
    panel = _panel(reviewer, "catalog/panels/department.html")
    assert panel["context"]["steps"] == 1 and panel["context"]["steps_overdue"] == 0
    assert panel["context"]["entries"] == 1
    colleague = make_user(incoming["fuzhou"], "reviewer")  # not named to the step
    assert _panel(colleague, "catalog/panels/department.html")["context"]["steps"] == 0
    assert _panel(incoming["provider_admin"], "catalog/panels/department.html") is None
    login_verified(client, reviewer)
    home = client.get("/").content.decode()
    assert 'data-testid="catalog-steps-waiting"' in home and 'data-testid="catalog-entries-waiting"' in home


def test_institution_panel_lists_what_waits_for_it(client, incoming):
    today = timezone.localdate()
    provider_panel = _panel(incoming["provider_admin"], "catalog/panels/institution.html")["context"]
    assert provider_panel["provider_steps"] == 1 and provider_panel["provider_overdue"] == 1
    assert provider_panel["mine"] == 0 and provider_panel["returned"] == 0
    policy.grant(incoming["provider_admin"], "catalog.decide_routestep", incoming["our_step"])
    assert _panel(incoming["provider_admin"], "catalog/panels/institution.html")["context"]["mine"] == 1

    applicant_admin = incoming["applicant_admin"]
    SharingApplication.objects.filter(pk=incoming["ours_now"].pk).update(status=A.RETURNED)
    grant = make_grant(incoming["approved"])
    make_report(grant, due_on=today + datetime.timedelta(days=10))
    make_report(grant, due_on=today - datetime.timedelta(days=1))
    make_report(grant, due_on=today + datetime.timedelta(days=90))  # later than the window
    make_report(grant, due_on=today - datetime.timedelta(days=3), status=GrantReport.Status.SUBMITTED)
    applicant_panel = _panel(applicant_admin, "catalog/panels/institution.html")["context"]
    assert applicant_panel["returned"] == 1 and applicant_panel["reports"] == 2 and applicant_panel["reports_overdue"] == 1
    login_verified(client, applicant_admin)
    home = client.get("/").content.decode()
    assert 'data-testid="catalog-returned"' in home and 'data-testid="catalog-reports-due"' in home
    assert _panel(make_user(incoming["fuzhou"], "reviewer"), "catalog/panels/institution.html") is None


# --- navigation --------------------------------------------------------------------------------------------


def _entries(user) -> set[str]:
    return {child["url_name"] for entry in navigation_for(user) for child in entry.get("children", [entry])}


def test_navigation_by_organisation_kind(incoming):
    department = _entries(make_user(incoming["fuzhou"], "reviewer"))
    assert {"catalog:dashboard", "catalog:review_list", "catalog:public_register", "catalog:verify"} <= department
    assert "catalog:incoming_list" not in department
    institution = _entries(incoming["provider_admin"])
    assert {"catalog:incoming_list", "catalog:application_list", "catalog:grant_list"} <= institution
    assert "catalog:dashboard" not in institution


def test_a_catalog_entry_without_a_route_cannot_break_the_menu(monkeypatch, incoming):
    from apps.core import navigation

    monkeypatch.setattr(navigation, "NAVIGATION", [*navigation.NAVIGATION,
                                                   navigation.NavItem("x", "catalog:no_such_page", group=navigation.PUBLIC)])
    assert "catalog:no_such_page" not in _entries(incoming["provider_admin"])
