"""Public disclosure of decisions (SUP-3, M.35): "Decisions that are to be disclosed appear on the public page
without personal data beyond what the decision discloses." Only disclosed decisions in force; no officer, head,
defence or facts; the responsible persons' names only when the decision discloses them. Pages and API."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import Case, Decision
from apps.cases.services import letters
from tests.cases.factories import make_case, scene
from tests.cases.test_letter_scene import (
    DEFENCE_ANSWER,
    DEFENCE_TEXT,
    FACTS,
    HIDDEN_PARTY_NAME,
    PARTY_NAME,
    PARTY_POSITION,
    PUBLIC_SUMMARY,
    REASONING,
    rich_decision,
)
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from apps.cases.tasks import render_decision_letter

    monkeypatch.setattr(render_decision_letter, "apply_async", lambda *args, **kwargs: None)


@pytest.fixture
def s():
    return scene()


def private_strings(s, decision) -> list[str]:
    """What must never reach a public page: officers', heads' and the institution's people's names, the
    defence, the department's answer, the facts and reasons beyond the public summary, the undisclosed person."""
    people = [s.officer, s.officer2, s.head, s.province_head, s.admin, s.top_leader, s.security_officer]
    return [*(user.full_name for user in people), DEFENCE_TEXT, DEFENCE_ANSWER, FACTS, REASONING, HIDDEN_PARTY_NAME,
            s.institution.top_leader_name, s.institution.security_officer_name, s.institution.address]


def assert_no_personal_data(s, decision, text: str):
    leaked = [value for value in private_strings(s, decision) if value and value in text]
    assert leaked == []


# --- the list --------------------------------------------------------------------------------------------------


def test_public_list_shows_only_disclosed_decisions_in_force_without_personal_data_SUP_3(client, s):
    shown = rich_decision(s)
    undisclosed = rich_decision(s, disclosed=False)
    html = client.get("/cases/public/").content.decode()
    assert shown.number in html and undisclosed.number not in html
    assert s.institution.name in html and "福州市卫生健康委员会" in html and PUBLIC_SUMMARY in html
    assert "Regulatory interview" in html and "Transfer to judicial organs" in html
    assert "Art. 18: classification, backup, encryption, access control" in html
    assert PARTY_NAME not in html  # not even when the detail would disclose them
    assert_no_personal_data(s, shown, html)


@pytest.mark.parametrize("outcome", [Decision.Status.QUASHED, Decision.Status.REMITTED])
def test_quashed_or_remitted_decision_disappears_from_the_list_and_its_page(client, s, outcome):
    decision = rich_decision(s)
    assert decision.number in client.get("/cases/public/").content.decode()
    Decision.objects.filter(pk=decision.pk).update(status=outcome)
    assert decision.number not in client.get("/cases/public/").content.decode()
    assert client.get(f"/cases/public/{decision.number}/").status_code == 404
    assert client.get(f"/api/v1/cases/public/{decision.number}/").status_code == 404
    assert client.get("/api/v1/cases/public/").json()["results"] == []


def test_list_is_newest_first_and_paged(client, s):
    numbers = []
    for days in range(27):
        decision = make_case(s, status="decided", disclosed=True).decisions.get()
        Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - datetime.timedelta(days=days))
        numbers.append(decision.number)
    rows = list(letters.public_decisions(params={}).values_list("number", flat=True))
    assert rows == numbers
    first = client.get("/cases/public/").content.decode()
    assert numbers[0] in first and numbers[24] in first and numbers[25] not in first and "page=2" in first
    second = client.get("/cases/public/", {"page": 2}).content.decode()
    assert numbers[25] in second and numbers[26] in second and numbers[0] not in second


def test_filters_by_region_measure_year_and_name(client, s):
    fuzhou = rich_decision(s)
    xiamen_institution = make_institution("350203", name="厦门市思明区测试医院")
    xiamen = make_case(s, status="decided", disclosed=True, measures=("admonition",)).decisions.get()
    Case.objects.filter(pk=xiamen.case_id).update(institution=xiamen_institution, region_id="350203")
    Decision.objects.filter(pk=xiamen.pk).update(decided_at=timezone.now().replace(year=2021))

    def found(**params) -> set[str]:
        return set(letters.public_decisions(params=params).values_list("number", flat=True))

    assert found() == {fuzhou.number, xiamen.number}
    assert found(region="350100") == found(region="3501") == found(region="350102") == {fuzhou.number}
    assert found(region="350000") == {fuzhou.number, xiamen.number} and found(region="350200") == {xiamen.number}
    assert found(measure="admonition") == {xiamen.number} and found(measure="judicial") == {fuzhou.number}
    assert found(year="2021") == {xiamen.number} and found(year=str(timezone.now().year)) == {fuzhou.number}
    assert found(q="思明") == {xiamen.number} and found(q="nothing") == set()
    assert found(region="35x", measure="fine", year="last") == {fuzhou.number, xiamen.number}  # ignored
    html = client.get("/cases/public/", {"measure": "admonition"}).content.decode()
    assert xiamen.number in html and fuzhou.number not in html
    partial = client.get("/cases/public/", {"q": "思明"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and xiamen.number in partial and fuzhou.number not in partial


# --- the detail ------------------------------------------------------------------------------------------------


def test_detail_without_disclosed_persons_shows_no_name(client, s):
    decision = rich_decision(s, disclose_persons=False)
    html = client.get(f"/cases/public/{decision.number}/").content.decode()
    assert decision.number in html and PUBLIC_SUMMARY in html and s.institution.name in html
    code = letters.format_code(decision.verification_code)
    assert code[:4] in html and code not in html and decision.verification_code not in html  # the hint only
    assert PARTY_NAME not in html and 'data-testid="public-persons"' not in html
    assert_no_personal_data(s, decision, html)


def test_detail_names_the_persons_only_when_the_decision_discloses_them(client, s):
    decision = rich_decision(s, disclose_persons=True)
    html = client.get(f"/cases/public/{decision.number}/").content.decode()
    assert 'data-testid="public-persons"' in html and PARTY_NAME in html and PARTY_POSITION in html
    assert "未督促落实" not in html  # the person's responsibility in the facts stays undisclosed
    assert_no_personal_data(s, decision, html)


def test_undisclosed_and_unknown_numbers_are_404(client, s):
    undisclosed = rich_decision(s, disclosed=False)
    for number in (undisclosed.number, "JD2020-000000-9999"):
        assert client.get(f"/cases/public/{number}/").status_code == 404
        assert client.get(f"/api/v1/cases/public/{number}/").status_code == 404


def test_public_reads_load_only_the_public_columns(s):
    """The facts, reasons, defence answer and every user stay in the database: not even loaded for a public row."""
    rich_decision(s)
    row = letters.public_decisions(params={}).get()
    assert {"facts", "reasoning", "defence_answer", "decided_by_id", "notice_id"} <= row.get_deferred_fields()
    assert {"address", "top_leader_name", "legal_representative"} <= row.case.institution.get_deferred_fields()


# --- API -------------------------------------------------------------------------------------------------------


def test_api_lists_and_shows_disclosed_decisions_anonymously(client, s):
    decision = rich_decision(s, disclose_persons=True)
    hidden = rich_decision(s, disclosed=False)
    body = client.get("/api/v1/cases/public/").json()
    assert [row["number"] for row in body["results"]] == [decision.number]
    row = body["results"][0]
    assert row["institution"] == s.institution.name and row["public_summary"] == PUBLIC_SUMMARY
    assert [measure["kind"] for measure in row["measures"]] == ["interview", "rectification", "disciplinary",
                                                               "judicial"]
    assert row["articles"][0]["code"] == "M.18" and "persons" not in row
    detail = client.get(f"/api/v1/cases/public/{decision.number}/").json()
    assert detail["persons"] == [{"name": PARTY_NAME, "position": PARTY_POSITION}]
    assert detail["code_hint"].startswith(letters.format_code(decision.verification_code)[:5])
    assert_no_personal_data(s, decision, str(body) + str(detail))
    assert hidden.number not in str(body)
    filtered = client.get("/api/v1/cases/public/", {"measure": "admonition"}).json()
    assert filtered["results"] == []


def test_api_detail_hides_persons_unless_disclosed(client, s):
    decision = rich_decision(s, disclose_persons=False)
    detail = client.get(f"/api/v1/cases/public/{decision.number}/").json()
    assert detail["persons"] == [] and PARTY_NAME not in str(detail)


def test_public_api_ignores_credentials_and_is_read_only(client, s):
    decision = rich_decision(s)
    assert client.post("/api/v1/cases/public/", {}).status_code == 405
    assert client.delete(f"/api/v1/cases/public/{decision.number}/").status_code == 405
    response = client.get("/api/v1/cases/public/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 200


def test_public_list_reads_a_fixed_number_of_queries(client, s):
    """Set-based reads: twelve rows cost what two do (no query per row for measures, regions, departments)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/cases/public/").status_code == 200
        return len(captured)

    for _index in range(2):
        make_case(s, status="decided", disclosed=True, measures=("interview", "admonition"))
    queries()  # the region choices are cached for an hour after the first page
    few = queries()
    for _index in range(10):
        make_case(s, status="decided", disclosed=True, measures=("interview", "admonition"))
    assert queries() == few
