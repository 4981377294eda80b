"""The department's sharing dashboard and its drill-down lists (SVC-2, SVC-3, SUP-4): correct figures for the
jurisdiction, every figure linked to its list, a query count that does not grow with the data."""

import datetime

import pytest
from django.utils import timezone

from apps.catalog.models import DataGrant, GrantReport, RouteStep, SharingApplication
from apps.catalog.services import dashboard as dashboard_services
from apps.core import errors
from apps.workdays.services import working_days_between
from tests.catalog.factories import make_application, make_resource, provider_institution
from tests.catalog.letters_factories import make_grant, make_report, make_step
from tests.conftest import login_verified, make_user

A = SharingApplication.Status
S = RouteStep.Status
MEDICAL = "medical_application"
PUBLIC_HEALTH = "public_health"


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


class Jurisdiction:
    """Providers in Gulou (Fuzhou, 3501) and in Xiamen's district 350203, applicants in both."""

    def __init__(self, fuzhou):
        self.today = timezone.localdate()
        self.fuzhou = fuzhou
        self.gulou_provider, self.gulou_admin = provider_institution("350102")
        self.xiamen_provider, self.xiamen_admin = provider_institution("350203")
        self.medical = make_resource(self.gulou_provider.organisation, by=self.gulou_admin, category=MEDICAL)
        self.public_health = make_resource(self.xiamen_provider.organisation, by=self.xiamen_admin,
                                           category=PUBLIC_HEALTH)
        self.xiamen_applicant, self.xiamen_applicant_admin = provider_institution("350203")
        self.gulou_applicant, self.gulou_applicant_admin = provider_institution("350102")
        self.decided = []

    def application(self, applicant, resources, *, status=A.IN_REVIEW, level=3, submitted_days_ago=20,
                    decided_days_ago=None):
        organisation, admin = (self.xiamen_applicant.organisation, self.xiamen_applicant_admin) \
            if applicant == "xiamen" else (self.gulou_applicant.organisation, self.gulou_applicant_admin)
        application = make_application(
            organisation, [(resource, ["诊断编码"]) for resource in resources], by=admin, status=status,
            level=level if status != A.DRAFT else None, round=1 if status != A.DRAFT else 0,
            submitted_at=_days_ago(submitted_days_ago) if status != A.DRAFT else None,
            decided_at=_days_ago(decided_days_ago) if decided_days_ago is not None else None)
        if decided_days_ago is not None:
            self.decided.append(application)
        return application

    def expected_average(self) -> float:
        days = [working_days_between(timezone.localdate(app.submitted_at), timezone.localdate(app.decided_at))
                for app in self.decided]
        return round(sum(days) / len(days), 1)


@pytest.fixture
def world(db, fuzhou):
    w = Jurisdiction(fuzhou)
    today = w.today
    # Under review: Gulou's provider step (in Fuzhou), then Fuzhou's step overdue for another application.
    w.app1 = w.application("xiamen", [w.medical], level=3)
    make_step(w.app1, w.gulou_provider.organisation, order=1, status=S.ACTIVE)
    make_step(w.app1, fuzhou, order=2, kind="provider_municipal", status=S.WAITING, due_on=today)
    w.app2 = w.application("gulou", [w.medical], level=4)
    make_step(w.app2, w.gulou_provider.organisation, order=1, status=S.APPROVED)
    w.overdue_step = make_step(w.app2, fuzhou, order=2, kind="provider_municipal", status=S.ACTIVE,
                               due_on=today - datetime.timedelta(days=1))
    # Xiamen only: invisible to Fuzhou (applicant and provider both in 350203).
    w.app3 = w.application("xiamen", [w.public_health], level=2)
    w.xiamen_step = make_step(w.app3, w.xiamen_provider.organisation, order=1, status=S.ACTIVE,
                              due_on=today - datetime.timedelta(days=3))
    # Decided in the last 12 months.
    w.app4 = w.application("gulou", [w.medical], status=A.APPROVED, level=3, submitted_days_ago=40,
                           decided_days_ago=12)
    w.expiring = make_grant(w.app4, ends_on=today + datetime.timedelta(days=10))
    make_report(w.expiring, due_on=today - datetime.timedelta(days=2))  # overdue
    make_report(w.expiring, due_on=today + datetime.timedelta(days=20))  # not yet
    make_report(w.expiring, due_on=today - datetime.timedelta(days=5), status=GrantReport.Status.SUBMITTED)
    w.app5 = w.application("gulou", [w.medical, w.public_health], status=A.REFUSED, level=5, submitted_days_ago=30,
                           decided_days_ago=2)
    w.app7 = w.application("xiamen", [w.medical], status=A.APPROVED, level=2, submitted_days_ago=200,
                           decided_days_ago=150)
    w.ended = make_grant(w.app7, status=DataGrant.Status.EXPIRED, starts_on=today - datetime.timedelta(days=150),
                         ends_on=today - datetime.timedelta(days=40), destruction_due_on=today - datetime.timedelta(days=10))
    w.app8 = w.application("gulou", [w.medical], status=A.APPROVED, level=3, submitted_days_ago=500,
                           decided_days_ago=400)  # decided more than a year ago: not in the average
    w.decided.remove(w.app8)
    make_grant(w.app8, ends_on=today + datetime.timedelta(days=40))  # in force, not ending soon
    w.application("gulou", [w.medical], status=A.DRAFT)  # drafts are not counted
    w.reviewer = make_user(fuzhou, "reviewer")
    return w


def test_figures_for_the_jurisdiction_SVC_2_SUP_4(world):
    figures = dashboard_services.dashboard_figures(world.reviewer)
    steps = {row["kind"]: (row["pending"], row["overdue"]) for row in figures["steps"]}
    assert steps == {"provider": (1, 0), "provider_municipal": (1, 1), "provider_provincial": (0, 0),
                     "applicant_provincial": (0, 0), "national": (0, 0)}
    assert (figures["pending_total"], figures["overdue_total"]) == (2, 1)
    assert figures["expiring"] == 1 and figures["certificates_overdue"] == 1 and figures["reports_overdue"] == 1
    assert {row["level"]: row["count"] for row in figures["by_level"]} == {1: 0, 2: 1, 3: 3, 4: 1, 5: 1}
    by_category = {row["category"]: row["count"] for row in figures["by_category"]}
    assert by_category[MEDICAL] == 6 and by_category[PUBLIC_HEALTH] == 1 and by_category["health_status"] == 0
    assert figures["decision_time"]["decided"] == 3
    assert figures["decision_time"]["average"] == world.expected_average()


def test_the_national_department_sees_everything(world, national):
    figures = dashboard_services.dashboard_figures(make_user(national, "reviewer"))
    assert (figures["pending_total"], figures["overdue_total"]) == (3, 2)
    assert {row["category"]: row["count"] for row in figures["by_category"]}[PUBLIC_HEALTH] == 2


def test_xiamen_sees_its_own_part(world, xiamen):
    figures = dashboard_services.dashboard_figures(make_user(xiamen, "inspector"))
    steps = {row["kind"]: (row["pending"], row["overdue"]) for row in figures["steps"]}
    assert steps["provider"] == (1, 1) and steps["provider_municipal"] == (0, 0)  # only the Xiamen provider's step
    assert figures["certificates_overdue"] == 1 and figures["expiring"] == 0


def test_dashboard_page_links_every_figure_to_its_list(client, world):
    login_verified(client, world.reviewer)
    page = client.get("/catalog/dashboard/").content.decode()
    assert 'data-testid="figure-pending">2<' in page.replace("\n", "")
    assert 'href="/catalog/dashboard/steps/?overdue=1"' in page
    assert 'href="/catalog/dashboard/steps/?kind=provider_municipal&amp;overdue=1"' in page
    assert 'href="/catalog/dashboard/grants/?filter=expiring"' in page
    assert 'href="/catalog/dashboard/grants/?filter=certificates_overdue"' in page
    assert 'href="/catalog/dashboard/reports/"' in page
    assert 'href="/catalog/dashboard/applications/?decided=1"' in page
    assert 'href="/catalog/dashboard/applications/?level=3"' in page
    assert f'href="/catalog/dashboard/applications/?category={MEDICAL}"' in page
    assert "<svg" in page and 'data-testid="chart-level-table"' in page and 'data-testid="chart-category-table"' in page


def test_drill_down_lists_match_the_figures(client, world):
    login_verified(client, world.reviewer)
    overdue = client.get("/catalog/dashboard/steps/", {"overdue": "1"}).content.decode()
    assert world.app2.number in overdue and world.app1.number not in overdue and world.app3.number not in overdue
    assert f"/catalog/review/steps/{world.overdue_step.pk}/" in overdue
    level3 = client.get("/catalog/dashboard/applications/", {"level": "3"}).content.decode()
    assert world.app1.number in level3 and world.app4.number in level3 and world.app2.number not in level3
    decided = client.get("/catalog/dashboard/applications/", {"decided": "1"}).content.decode()
    assert all(app.number in decided for app in world.decided) and world.app8.number not in decided
    public = client.get("/catalog/dashboard/applications/", {"category": PUBLIC_HEALTH}).content.decode()
    assert world.app5.number in public and world.app3.number not in public
    expiring = client.get("/catalog/dashboard/grants/", {"filter": "expiring"}).content.decode()
    assert world.expiring.number in expiring and world.ended.number not in expiring
    certificates = client.get("/catalog/dashboard/grants/", {"filter": "certificates_overdue"}).content.decode()
    assert world.ended.number in certificates and world.expiring.number not in certificates
    reports = client.get("/catalog/dashboard/reports/").content.decode()
    assert reports.count(world.expiring.number) == 1
    assert client.get("/catalog/dashboard/grants/", {"filter": "all"}).status_code == 404


def test_dashboard_query_count_does_not_grow_with_data(client, world, django_assert_max_num_queries):
    login_verified(client, world.reviewer)
    client.get("/catalog/dashboard/")  # the working-day calendar is cached from here on
    with django_assert_max_num_queries(15):
        assert client.get("/catalog/dashboard/").status_code == 200
    for days in range(5, 60, 5):
        application = world.application("gulou", [world.medical, world.public_health], status=A.REFUSED,
                                        submitted_days_ago=days + 20, decided_days_ago=days)
        make_step(application, world.fuzhou, order=1, kind="provider_municipal", status=S.ACTIVE)
        make_grant(application, ends_on=world.today + datetime.timedelta(days=days % 30))
    with django_assert_max_num_queries(15):
        assert client.get("/catalog/dashboard/").status_code == 200
    with django_assert_max_num_queries(11):
        client.get("/catalog/dashboard/steps/")


@pytest.mark.parametrize("who", ["institution", "standards_officer"])
def test_only_departments_that_see_sharing_open_the_dashboard(client, world, who):
    user = world.gulou_applicant_admin if who == "institution" else make_user(world.fuzhou, "standards_officer")
    login_verified(client, user)
    assert client.get("/catalog/dashboard/").status_code == 403
    assert client.get("/catalog/dashboard/steps/").status_code == 403
    with pytest.raises(errors.PermissionDenied):
        dashboard_services.dashboard_figures(user)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/catalog/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_count_chart_scales_and_keeps_every_row():
    from apps.catalog.charts import count_chart

    chart = count_chart([("Level 1", 0, "/a"), ("Level 2", 57, "/b"), ("Level 3", 20, "/c")], summary="s")
    assert [bar.value for bar in chart.bars] == [0, 57, 20] and chart.total == 77
    assert [label for _x, label in chart.ticks] == ["0", "20", "40", "60"]
    widest = chart.plot_right - chart.plot_left
    assert chart.bars[0].width == 0 and chart.bars[1].width == round(widest * 57 / 60, 1)
    assert count_chart([], summary="s") is None
