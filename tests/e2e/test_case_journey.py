"""Done-when of the accountability-cases issue (SUP-3, SUP-4, SUP-5, INS-3): finding -> case -> notice -> defence
-> decision -> credit change -> appeal, the institution's defence and the head's decision driven in the browser.

Each person works in a browser of their own (one context each, signed in once): the Fuzhou department head in
English on a desktop; the hospital's administrator in Chinese on a desktop; the Fujian (provincial) department
head, who reviews appeals against Fuzhou's decisions, in Chinese; a third-party hospital's administrator; an
anonymous visitor. The inspection, its confirmed major finding and its referral (which opens the case through
the cases app's receiver), the officer's assignment, the investigation and the notice of the proposed measures
are prepared through the services: they are not the point here. On the pages: the head sees why he may not
decide yet; the hospital finds the case, reads the notice and states its defence with a PDF, waiving the rest
of the period; the head decides (first refused for want of an answer to the defence, nothing saved), the real
Celery worker on the pdf queue renders and signs the letter while the page polls, the letter is downloaded and
read here (text and the department's signature); the credit score drops by the two sanction rules' points and
the hospital sees it; the decision is on the public list; a third party cannot appeal; the hospital appeals,
the provincial head quashes the decision: the score is back and the decision leaves the public list. Visible
words are compared with the catalogue's translation, computed here."""

import datetime
import hashlib
import io
import re

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.cases.ladder import Measure
from apps.cases.models import Appeal, Case, CaseDocument, Decision, Defence
from apps.cases.services import notice as notice_services
from apps.cases.services import opening
from apps.cases.services.appeals import ONLY_ADDRESSEE
from apps.core.signing import verify_pdf
from apps.inspections.models import Inspection
from apps.inspections.services import referral
from apps.institutions.models import CreditEvent, CreditRule, Institution
from apps.institutions.services.credit_defaults import credit_defaults_ensure
from tests.conftest import make_user
from tests.e2e.helpers import sign_in
from tests.factories import PASSWORD, department
from tests.inspections.factories import make_checklist, make_finding, make_inspection, make_order, make_plan
from tests.institutions.factories import make_institution
from tests.institutions.uploads import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SHOTS = "var/e2e-case-{}.png"
DESKTOP = {"width": 1360, "height": 900}
HOSPITAL = "福州市鼓楼区第一人民医院"
OTHER_HOSPITAL = "福州市鼓楼区第二人民医院"
PROVINCE = "福建省卫生健康委员会"
CITY = "福州市卫生健康委员会"
FINDING_TITLE = "未按要求开展数据备份恢复演练"
FINDING_FACTS = "近十二个月无数据备份恢复演练记录，备份介质与生产服务器存放于同一机柜。"
REFERRAL_NOTE = "整改期限届满仍未开展演练，建议立案问责。"
STATEMENT = "本院已于本月完成全量数据备份恢复演练，备份介质已迁至异地机房。恳请从轻处理。"
DEFENCE_PDF = "备份恢复演练报告.pdf"
REASONS = "该院未履行数据备份与恢复演练义务，违反《办法》第十八条，情节较重。"
DEFENCE_ANSWER = "整改晚于检查发现且系责令后完成，不足以免除责任，但已在措施中予以考虑。"
PUBLIC_SUMMARY = "该院未按规定开展数据备份恢复演练，予以告诫并责令限期整改。"
GROUNDS = "本院在通知送达前已完成整改，处理过重，请求撤销。"
REVIEW_REASONS = "整改在告知前已完成，原决定处理畸重，予以撤销。"
SANCTIONS = ("sanction.admonition", "sanction.rectification")


def zh(text) -> str:
    """The Chinese the page shows for a catalogue message or a choice label."""
    with translation.override("zh-hans"):
        return str(gettext(text) if isinstance(text, str) else text)


def en(text) -> str:
    with translation.override("en"):
        return str(gettext(text) if isinstance(text, str) else text)


def submit(page, button) -> None:
    """Click a submit button (or a link) and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def csrf_token(page) -> str:
    return next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")


@pytest.fixture
def person(browser, live_server):
    """`person(username, language)`: a browser of one's own, signed in; English users switch."""
    contexts = []

    def open_as(username: str | None, language: str):
        context = browser.new_context(locale="en-GB" if language == "en" else "zh-CN", base_url=live_server.url,
                                      extra_http_headers={"Accept-Language": language}, viewport=DESKTOP,
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username is None:  # an anonymous visitor
            return page
        sign_in(page, username, PASSWORD)
        if language == "en":
            submit(page, page.get_by_test_id("language-switch").locator("button[value=en]"))
            assert page.locator("html").get_attribute("lang") == "en"
        else:
            assert page.locator("html").get_attribute("lang") == "zh-CN"
        return page

    yield open_as
    for context in contexts:
        context.close()


def open_menu(page, group: str, entry: str) -> None:
    """Follow an entry of the main navigation's dropdown `group`."""
    nav = page.locator("#main-nav")
    nav.get_by_role("button", name=group, exact=True).click()
    submit(page, nav.get_by_role("link", name=entry, exact=True))


def score(institution) -> int:
    return Institution.objects.values_list("credit_score", flat=True).get(pk=institution.pk)


def world() -> dict:
    """Fujian (reviews appeals) and Fuzhou (handles the case: a head and a case officer) departments, the
    hospital in Gulou with its administrator, a third-party hospital with its own, and the case: an inspection's
    confirmed major finding referred by the lead inspector (the receiver opens the case), the officer assigned,
    the investigation started and the notice of admonition and ordered rectification issued, defence due in a
    month."""
    credit_defaults_ensure()  # the sanction rules (a transactional test flushed them)
    province = department("350000", "provincial", PROVINCE)
    province_head = make_user(province, "department_head", username="case_fj_head", full_name="王建国")
    city = department("350100", "municipal", CITY)
    head = make_user(city, "department_head", username="case_fz_head", full_name="林志远")
    officer = make_user(city, "case_officer", username="case_fz_officer", full_name="陈晓敏")
    inspector = make_user(city, "inspector", username="case_fz_inspector", full_name="黄志强")
    hospital = make_institution("350102", name=HOSPITAL)
    admin = make_user(hospital.organisation, "institution_admin", username="case_hospital_admin", full_name="何俊")
    other = make_institution("350102", name=OTHER_HOSPITAL)
    other_admin = make_user(other.organisation, "institution_admin", username="case_other_admin", full_name="郑敏")

    plan = make_plan(city, by=head, checklist=make_checklist(2), pool=[inspector])
    inspection = make_inspection(plan, hospital, team=[inspector], status=Inspection.Status.IN_PROGRESS)
    finding = make_finding(inspection, severity="major", title=FINDING_TITLE, description=FINDING_FACTS)
    make_order(finding)  # confirms the finding, as closing the inspection does
    referral.finding_refer(finding=finding, note=REFERRAL_NOTE, by=inspector)
    case = Case.objects.get(source_type="inspections.finding", source_id=str(finding.pk))
    assert (case.department, case.institution_id, case.severity, case.status) == (
        city, hospital.pk, "serious", Case.Status.REGISTERED)
    opening.officer_assign(case=case, user=officer, by=head, lead=True)
    opening.investigation_start(case=case, by=officer)
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    notice = notice_services.notice_issue(
        case=case, facts=case.facts, articles=case.articles, severity=case.severity, proposed_measures=[
            {"measure": "admonition", "details": "予以告诫"},
            {"measure": "rectification", "details": "三十日内完成备份恢复演练并报送记录"}],
        defence_deadline=deadline, by=officer)
    case.refresh_from_db()
    assert case.status == Case.Status.NOTIFIED and notice.defence_deadline == deadline
    return {"province": province, "province_head": province_head, "city": city, "head": head,
            "hospital": hospital, "admin": admin, "other": other, "other_admin": other_admin, "case": case,
            "notice": notice}


def test_a_referred_finding_is_noticed_defended_decided_credited_appealed_and_quashed(person, request, monkeypatch):
    people = world()
    case, notice, hospital, city = people["case"], people["notice"], people["hospital"], people["city"]
    deadline = notice.defence_deadline.isoformat()
    before = score(hospital)
    sanction_points = sum(CreditRule.objects.filter(trigger__in=SANCTIONS, is_active=True)
                          .values_list("points", flat=True))
    assert set(CreditRule.objects.filter(trigger__in=SANCTIONS, is_active=True)
               .values_list("trigger", flat=True)) == set(SANCTIONS)
    assert sanction_points < 0

    # 1. The Fuzhou head, in English, finds the case: he may not decide yet, and the page says why.
    head = person("case_fz_head", "en")
    open_menu(head, en("Accountability"), en("Cases"))
    submit(head, head.get_by_role("link", name=case.number, exact=True))
    head.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    blocking = en("The defence period runs until %(date)s: decide after it has passed, or earlier only if the "
                  "institution waives the rest of it in writing.") % {"date": deadline}
    expect(head.get_by_test_id("decide-blocked")).to_have_text(blocking)
    expect(head.get_by_test_id("decide-link")).to_have_count(0)
    assert head.get_by_test_id("blocking-reason").inner_text() == blocking
    assert head.get_by_test_id("case-status").inner_text() == en(Case.Status.NOTIFIED.label)
    assert f"{case.source_reference}" in head.get_by_test_id("source").inner_text()
    head.screenshot(path=SHOTS.format("01-decide-blocked-en"), full_page=True)

    # 2. The hospital's administrator, in Chinese, opens its cases, the case and the notice,
    hospital_admin = person("case_hospital_admin", "zh-CN")
    open_menu(hospital_admin, zh("My institution"), zh("Accountability cases"))
    row = hospital_admin.get_by_test_id("my-cases").locator("tbody tr").filter(has_text=case.number)
    expect(row).to_have_count(1)
    assert deadline in row.inner_text() and CITY in row.inner_text()
    assert zh(Case.Status.NOTIFIED.label) in row.inner_text()
    submit(hospital_admin, row.get_by_role("link", name=case.number, exact=True))
    shown = hospital_admin.get_by_test_id("notice").inner_text()
    assert zh(Measure.ADMONITION.label) in shown and zh(Measure.RECTIFICATION.label) in shown and deadline in shown
    assert hospital_admin.get_by_test_id("decide-blocked").count() == 0  # the department's matter
    assert hospital_admin.get_by_test_id("officers").count() == 0  # nor who handles the case
    hospital_admin.screenshot(path=SHOTS.format("02-notice-zh"), full_page=True)
    # ... and states its defence with a PDF, waiving the rest of the period.
    submit(hospital_admin, hospital_admin.get_by_test_id("defence-link"))
    hospital_admin.wait_for_url(re.compile(rf"/cases/{case.pk}/defence/$"))
    assert deadline in hospital_admin.get_by_test_id("defence-period").inner_text()
    form = hospital_admin.get_by_test_id("defence-form")
    form.locator("[name=statement]").fill(STATEMENT)
    form.locator("[name=files]").set_input_files(files=[
        {"name": DEFENCE_PDF, "mimeType": "application/pdf", "buffer": PDF}])
    form.get_by_label(zh("We waive the rest of the defence period"), exact=True).check()
    hospital_admin.screenshot(path=SHOTS.format("03-defence-form-zh"), full_page=True)
    submit(hospital_admin, form.get_by_role("button", name=zh("Submit"), exact=True))
    hospital_admin.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert zh("Your defence is submitted and the rest of the period is waived.") in hospital_admin.locator(
        ".messages").inner_text()
    defence = Defence.objects.get(case=case)
    assert (defence.kind, defence.statement, defence.waives_period, defence.submitted_by) == (
        Defence.Kind.STATEMENT, STATEMENT, True, people["admin"])
    assert list(CaseDocument.objects.filter(defence=defence).values_list("original_name", flat=True)) == [
        DEFENCE_PDF]
    stated = hospital_admin.get_by_test_id(f"defence-{defence.pk}").inner_text()
    assert STATEMENT in stated and zh("Waived the rest of the defence period.") in stated
    assert DEFENCE_PDF in hospital_admin.get_by_test_id("documents").inner_text()
    expect(hospital_admin.get_by_test_id("defence-link")).to_have_count(0)  # nothing more after the waiver
    hospital_admin.screenshot(path=SHOTS.format("04-defence-submitted-zh"), full_page=True)

    # 3. The head reloads the case: the waiver lets him decide now.
    head.reload()
    expect(head.get_by_test_id("decide-blocked")).to_have_count(0)
    assert head.get_by_test_id("may-decide").inner_text() == en("The department may decide.")
    assert en("The institution has waived the rest of the period in writing.") == head.get_by_test_id(
        "waived").inner_text()
    submit(head, head.get_by_test_id("decide-link"))
    head.wait_for_url(re.compile(rf"/cases/{case.pk}/decide/$"))
    decide = head.get_by_test_id("decide-form")
    # The notice's measures are proposed; the head sets the deadline, the reasons and the disclosure,
    for kind in ("admonition", "rectification"):
        assert decide.locator(f"[name=measures][value={kind}]").is_checked(), kind
    assert not decide.locator("[name=measures][value=interview]").is_checked()
    rectify_by = timezone.localdate() + datetime.timedelta(days=45)
    decide.locator("[name=deadline_rectification]").fill(rectify_by.isoformat())
    decide.locator("[name=reasoning]").fill(REASONS)
    decide.get_by_label(en("Disclose the decision to the public"), exact=True).check()
    decide.locator("[name=public_summary]").fill(PUBLIC_SUMMARY)
    # ... but forgets to answer the defence: refused, with the reason, and nothing is decided.
    submit(head, decide.get_by_role("button", name=en("Take the decision")))
    expect(head.get_by_test_id("form-errors")).to_be_visible()
    answer_error = en("The institution stated a defence: answer it in the decision.")
    expect(head.get_by_test_id("decide-form").locator(".invalid-feedback")).to_have_text([answer_error])
    assert not Decision.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.status == Case.Status.NOTIFIED
    assert CreditEvent.objects.filter(institution=hospital, rule__trigger__in=SANCTIONS).count() == 0
    head.screenshot(path=SHOTS.format("05-decide-refused-en"), full_page=True)
    # What was typed is kept; the head answers the defence and decides.
    decide = head.get_by_test_id("decide-form")
    assert decide.locator("[name=reasoning]").input_value() == REASONS
    assert decide.locator("[name=deadline_rectification]").input_value() == rectify_by.isoformat()
    assert decide.locator("[name=disclosed]").is_checked()
    decide.locator("[name=defence_answer]").fill(DEFENCE_ANSWER)
    submit(head, decide.get_by_role("button", name=en("Take the decision")))
    decision = Decision.objects.get(case=case)
    head.wait_for_url(re.compile(rf"/cases/decisions/{decision.pk}/$"))
    assert en("Decision %(number)s is taken; the letter is being produced.") % {
        "number": decision.number} in head.locator(".messages").inner_text()
    assert head.get_by_test_id("decision-status").inner_text() == en(Decision.Status.IN_FORCE.label)
    measures = head.get_by_test_id("decision-measures").inner_text()
    assert en(Measure.ADMONITION.label) in measures and en(Measure.RECTIFICATION.label) in measures
    assert (decision.defence_answer, decision.disclosed, decision.public_summary, decision.decided_by) == (
        DEFENCE_ANSWER, True, PUBLIC_SUMMARY, people["head"])
    assert sorted(decision.measures.values_list("kind", flat=True)) == ["admonition", "rectification"]
    assert decision.measures.get(kind="rectification").deadline == rectify_by

    # ... the letter page shows its progress while no worker has taken the task yet,
    expect(head.get_by_test_id("letter-pending")).to_be_visible()
    assert head.get_by_test_id("letter-progress").get_attribute("value") == "5"  # queued
    head.screenshot(path=SHOTS.format("06-letter-in-progress-en"), full_page=True)
    # ... then the real worker starts on the pdf queue (sharing the cache, so its stages reach the page) and the
    # page, polling every two seconds, turns to "ready" by itself.
    monkeypatch.setenv("CACHE_KEY_PREFIX", settings.CACHES["default"]["KEY_PREFIX"])
    worker = request.getfixturevalue("celery_worker_process")
    try:
        expect(head.get_by_test_id("letter-ready")).to_be_visible(timeout=120_000)
    except AssertionError:
        pytest.fail(f"the decision letter did not become ready:\n{worker['log'].read_text()}")
    decision.refresh_from_db()
    assert decision.letter_status == Decision.LetterStatus.READY
    assert head.get_by_test_id("letter-sha256").inner_text() == decision.sha256
    head.screenshot(path=SHOTS.format("07-letter-ready-en"), full_page=True)
    # ... downloads the signed PDF: it names the decision and the hospital, and is signed with Fuzhou's key.
    with head.expect_download() as download_info:
        head.get_by_test_id("letter-download").click()
    download = download_info.value
    assert download.suggested_filename == f"{decision.number}.pdf"
    content = open(download.path(), "rb").read()  # noqa: SIM115 - Playwright's temporary file
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == decision.sha256
    text = re.sub(r"\s+", "", "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(content)).pages))
    assert decision.number.replace(" ", "") in text and HOSPITAL in text, text[:2000]
    signature = verify_pdf(content, organisation=city)
    assert signature["ok"], signature

    # 4. Credit: the score dropped by exactly the two sanction rules' points, and the hospital sees it.
    after = score(hospital)
    assert after == before + sanction_points
    assert set(CreditEvent.objects.filter(institution=hospital, status=CreditEvent.Status.IN_FORCE,
                                          rule__trigger__in=SANCTIONS).values_list("rule__trigger", flat=True)) == \
        set(SANCTIONS)
    hospital_admin.goto(f"/institutions/{hospital.pk}/credit/")
    assert hospital_admin.get_by_test_id("credit-score").inner_text() == str(after)
    items = hospital_admin.get_by_test_id("credit-items").get_by_test_id("credit-item").filter(
        has_text=decision.number)
    expect(items).to_have_count(2)
    hospital_admin.screenshot(path=SHOTS.format("08-credit-after-decision-zh"), full_page=True)
    # ... and anyone finds the disclosed decision on the public list, with its summary.
    visitor = person(None, "zh-CN")
    visitor.goto("/cases/public/")
    public_row = visitor.get_by_test_id("public-decision").filter(has_text=decision.number)
    expect(public_row).to_have_count(1)
    assert PUBLIC_SUMMARY in public_row.inner_text() and HOSPITAL in public_row.inner_text()

    # 5. A third party (another hospital's administrator, who reads the disclosed decision on the public page like
    # anyone) tries to appeal on the page and through the API: refused with the clear message, nothing lodged.
    third = person("case_other_admin", "zh-CN")
    assert third.goto(f"/cases/public/{decision.number}/").status == 200
    refused = third.goto(f"/cases/{case.pk}/appeal/")
    assert refused.status == 403 and third.get_by_test_id("appeal-form").count() == 0
    assert zh(ONLY_ADDRESSEE) in third.locator("main").inner_text()
    third.screenshot(path=SHOTS.format("09-third-party-refused-zh"), full_page=True)
    api = third.request.post(f"/api/v1/cases/cases/{case.pk}/appeal/", data={"grounds": "第三方代为申请复核。"},
                             headers={"X-CSRFToken": csrf_token(third), "Referer": third.url})
    assert (api.status, zh(ONLY_ADDRESSEE) in api.text()) == (403, True), (api.status, api.text()[:300])
    assert not Appeal.objects.exists()

    # 6. The hospital appeals on the page, to the provincial department.
    hospital_admin.goto(f"/cases/{case.pk}/")
    submit(hospital_admin, hospital_admin.get_by_test_id("appeal-link"))
    hospital_admin.wait_for_url(re.compile(rf"/cases/{case.pk}/appeal/$"))
    assert PROVINCE in hospital_admin.get_by_test_id("reviewing-department").inner_text()
    assert decision.appeal_until.isoformat() in hospital_admin.get_by_test_id("appeal-until").inner_text()
    appeal_form = hospital_admin.get_by_test_id("appeal-form")
    appeal_form.locator("[name=grounds]").fill(GROUNDS)
    submit(hospital_admin, appeal_form.get_by_role("button", name=zh("Lodge the appeal")))
    hospital_admin.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert zh("Your appeal is lodged with %(department)s.") % {"department": PROVINCE} in hospital_admin.locator(
        ".messages").inner_text()
    assert hospital_admin.get_by_test_id("case-status").inner_text() == zh(Case.Status.UNDER_REVIEW.label)
    appeal = Appeal.objects.get(case=case)
    assert (appeal.status, appeal.reviewing_department, appeal.grounds) == (
        Appeal.Status.LODGED, people["province"], GROUNDS)
    hospital_admin.screenshot(path=SHOTS.format("10-appeal-lodged-zh"), full_page=True)

    # 7. The provincial head finds the appeal among those to review and quashes the decision, with reasons.
    reviewer = person("case_fj_head", "zh-CN")
    open_menu(reviewer, zh("Accountability"), zh("Appeals to review"))
    appeal_row = reviewer.get_by_test_id("appeals").locator("tbody tr").filter(has_text=case.number)
    assert decision.number in appeal_row.inner_text() and HOSPITAL in appeal_row.inner_text()
    submit(reviewer, appeal_row.get_by_role("link", name=case.number, exact=True))
    reviewer.wait_for_url(re.compile(rf"/cases/appeals/{appeal.pk}/$"))
    assert GROUNDS in reviewer.get_by_test_id("appeal").inner_text()
    review = reviewer.get_by_test_id("review-form")
    review.get_by_label(zh("Quash the decision (its measures are revoked)"), exact=True).check()
    review.locator("[name=reasons]").fill(REVIEW_REASONS)
    submit(reviewer, review.get_by_role("button", name=zh("Record the outcome")))
    assert zh("The appeal is decided: %(outcome)s.") % {"outcome": zh(Appeal.Status.QUASHED.label)} in \
        reviewer.locator(".messages").inner_text()
    assert reviewer.get_by_test_id("appeal-status").inner_text() == zh(Appeal.Status.QUASHED.label)
    assert REVIEW_REASONS in reviewer.get_by_test_id("review-reasons").inner_text()
    expect(reviewer.get_by_test_id("review-form")).to_have_count(0)
    reviewer.screenshot(path=SHOTS.format("11-appeal-quashed-zh"), full_page=True)
    appeal.refresh_from_db()
    decision.refresh_from_db()
    case.refresh_from_db()
    assert (appeal.status, decision.status, case.status) == (
        Appeal.Status.QUASHED, Decision.Status.QUASHED, Case.Status.CLOSED)

    # ... the score is back where it was, on the hospital's credit page too,
    assert score(hospital) == before
    assert not CreditEvent.objects.filter(institution=hospital, status=CreditEvent.Status.IN_FORCE,
                                          rule__trigger__in=SANCTIONS).exists()
    hospital_admin.goto(f"/institutions/{hospital.pk}/credit/")
    assert hospital_admin.get_by_test_id("credit-score").inner_text() == str(before)
    expect(hospital_admin.get_by_test_id("credit-items").get_by_test_id("credit-item").filter(
        has_text=decision.number)).to_have_count(0)
    hospital_admin.screenshot(path=SHOTS.format("12-credit-restored-zh"), full_page=True)
    # ... and the quashed decision is no longer on the public list, nor its public page.
    visitor.reload()
    expect(visitor.get_by_test_id("public-decision").filter(has_text=decision.number)).to_have_count(0)
    assert visitor.goto(f"/cases/public/{decision.number}/").status == 404
    visitor.screenshot(path=SHOTS.format("13-public-list-after-quash-zh"), full_page=True)

