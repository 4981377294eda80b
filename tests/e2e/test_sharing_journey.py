"""Done-when of the catalog issue: a resource is registered and published, applied for, routed through two
levels of review, approved with conditions, released, expires, and its certificate of destruction closes the
grant (SVC-1 to SVC-4, SEC-1, SEC-4, SEC-8), the whole path driven in the browser.

Each person works in a browser of their own (one context each, signed in once): the Fuzhou hospital's
administrator (the provider) and the Xiamen hospital's administrator (the applicant) in Chinese, the
provincial reviewer of catalog entries and the Fuzhou municipal reviewer in English. The rules are the
portal's defaults (the default route table: level 3 = the provider, then the provider's municipal
department). Time passes with `on(day)`, which patches `timezone.localdate` for the live server too (it
runs in a thread of this process): the day after the grant's end, the nightly expiry job runs through its
service `grants_expire_due`, the one step not done in the browser (it is Celery beat's, not a person's).
Visible words are compared with the catalogue's translation, computed here."""

import datetime
import hashlib
import re

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.catalog.models import (
    DataGrant,
    DataRelease,
    DataResource,
    DeidentificationRecord,
    DestructionCertificate,
    ResourceVersion,
    RouteStep,
    SharingApplication,
)
from apps.catalog.services.defaults import defaults_ensure
from apps.catalog.services.grants import grants_expire_due
from tests.e2e.helpers import sign_in
from tests.institutions.uploads import PDF
from tests.standards.lifecycle_helpers import on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = "var/e2e-sharing-{}.png"
TITLE = "心血管专科门诊就诊记录"
PROJECT = "福建省冠心病门诊患者用药依从性研究"
CONDITIONS_PROVIDER = "研究成果发表前报本院数据管理办公室备案。"
CITY_COMMENT = "Purpose, fields and safeguards are proportionate; approved."
# (name, English name, data element code, level, personal): the resource's level is the highest, 3.
FIELDS = [
    ("就诊流水号", "Visit number", "", 2, False),
    ("出生年份", "Year of birth", "DE02.01.005.00", 3, True),
    ("诊断编码（ICD-10）", "Diagnosis code", "DE05.01.024.00", 2, False),
    ("就诊科室", "Department", "DE08.10.025.00", 1, False),
]
STAGE_PEOPLE = ["陈志远", "林晓梅", "黄立新", "郑凯", "黄立新", "许文华", "许文华", "何俊"]
RELEASE_BYTES = "就诊流水号,出生年份,诊断编码\nA0001,1962,I25.1\n".encode()
RECORDS = 48_213


def zh(text) -> str:
    """The Chinese the page shows for a catalogue message or a choice label."""
    with translation.override("zh-hans"):
        return str(gettext(text) if isinstance(text, str) else text)


def en(text) -> str:
    with translation.override("en"):
        return str(gettext(text) if isinstance(text, str) else text)


def submit(page, button) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def pdf_file(name: str) -> list[dict]:
    return [{"name": name, "mimeType": "application/pdf", "buffer": PDF}]


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text.replace(",", ""))]


@pytest.fixture
def person(browser, live_server):
    """`person(username, language)`: a browser of one's own, signed in; English users switch the language."""
    contexts = []

    def open_as(username: str, language: str):
        context = browser.new_context(locale="en-GB" if language == "en" else "zh-CN", base_url=live_server.url,
                                      extra_http_headers={"Accept-Language": language},
                                      viewport={"width": 1360, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, username)
        if language == "en":
            submit(page, page.get_by_test_id("language-switch").locator("button[value=en]"))
            assert page.locator("html").get_attribute("lang") == "en"
        else:
            assert page.locator("html").get_attribute("lang") == "zh-CN"
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_resource_is_published_applied_for_reviewed_released_expires_and_is_destroyed(person):
    defaults_ensure()  # the default route table and data use agreement (a transactional test flushed them)
    call_command("seed_demo")
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    hospital_admin, researcher = users["demo_inst_admin"], users["demo_researcher"]
    city_reviewer = users["demo_city_reviewer"]
    hospital, applicant = hospital_admin.organisation, researcher.organisation
    assert hospital.region_id.startswith("3501") and applicant.region_id.startswith("3502")  # Fuzhou, Xiamen
    assert city_reviewer.organisation.region_id == "350100"
    today = timezone.localdate()
    period_end = today + datetime.timedelta(days=90)

    # 1. The Fuzhou hospital's administrator registers a resource, in Chinese: metadata, four fields (one
    # personal at level 3), the eight lifecycle stages' responsible people; then submits it.
    provider = person("demo_inst_admin", "zh-CN")
    provider.goto("/catalog/resources/mine/")
    submit(provider, provider.get_by_role("link", name=zh("Register a data resource")))
    form = provider.get_by_test_id("entry-form")
    for name, value in {
        "title": TITLE, "title_en": "Cardiology outpatient visit records",
        "description": "心血管专科门诊挂号、诊断与处方记录，按月更新，可用于冠心病、高血压用药研究。",
        "keywords": "心血管, 门诊, 处方", "data_format": "CSV（UTF-8）", "volume": "约 86 万条，3 GB",
        "coverage_start": "2020-01-01", "storage_description": "本院数据中心（福州）",
    }.items():
        form.locator(f"[name={name}]").fill(value)
    for name, value in {"category": "medical_application", "sharing_type": "conditional",
                        "open_form": "controlled", "update_frequency": "monthly",
                        "storage_province": "350000"}.items():
        form.locator(f"[name={name}]").select_option(value)
    for row, (name, name_en, code, level, personal) in enumerate(FIELDS):
        if row:  # the form opens with one row; "add a field" posts and comes back with one more
            submit(provider, form.get_by_test_id("add-field"))
            form = provider.get_by_test_id("entry-form")
        form.locator(f"[name='fields-{row}-name']").fill(name)
        form.locator(f"[name='fields-{row}-name_en']").fill(name_en)
        form.locator(f"[name='fields-{row}-element_code']").fill(code)
        form.locator(f"[name='fields-{row}-level']").select_option(str(level))
        form.locator(f"[name='fields-{row}-personal']").set_checked(personal)
    stage_rows = form.get_by_test_id("stage-rows").locator("tbody tr")
    assert stage_rows.count() == 8
    for row, person_name in enumerate(STAGE_PEOPLE):
        form.locator(f"[name='stages-{row}-person_name']").fill(person_name)
        form.locator(f"[name='stages-{row}-position']").fill("信息中心")
        form.locator(f"[name='stages-{row}-phone']").fill("0591-87000000")
    assert form.locator("[name=title]").input_value() == TITLE  # kept across the "add a field" round trips
    submit(provider, form.locator("button.btn-primary[type=submit]"))
    resource = DataResource.objects.get(provider=hospital, versions__title=TITLE)
    version = resource.versions.get()
    provider.wait_for_url(re.compile(rf"/catalog/resources/versions/{version.pk}/$"))
    assert provider.get_by_test_id("version-status").inner_text() == zh(ResourceVersion.Status.DRAFT.label)
    assert provider.get_by_test_id("level-badge").first.inner_text() == zh("Level %(level)s") % {"level": 3}
    assert provider.get_by_test_id("completeness").count() == 0  # nothing missing: it can be submitted
    submit(provider, provider.locator(f"form[action='/catalog/resources/versions/{version.pk}/submit/'] button"))
    assert provider.get_by_test_id("version-status").inner_text() == zh(ResourceVersion.Status.SUBMITTED.label)
    version.refresh_from_db()
    assert (version.status, version.level, version.has_personal_information) == ("submitted", 3, True)
    assert version.fields.count() == 4 and version.responsibilities.count() == 8
    provider.screenshot(path=SHOTS.format("1-entry-submitted-zh"), full_page=True)

    # ... the provincial department's reviewer, in English, approves and publishes it on the review page.
    entry_reviewer = person("demo_reviewer", "en")
    entry_reviewer.goto("/catalog/resources/review/")
    row = entry_reviewer.get_by_test_id("review-list").locator("tbody tr").filter(has_text=TITLE)
    assert en("Level %(level)s") % {"level": 3} in row.inner_text()
    submit(entry_reviewer, row.get_by_role("link", name=TITLE))
    assert entry_reviewer.get_by_test_id("version-status").inner_text() == en(ResourceVersion.Status.SUBMITTED.label)
    entry_reviewer.screenshot(path=SHOTS.format("1-entry-review-en"), full_page=True)
    decision = entry_reviewer.get_by_test_id("review-form")
    decision.locator("input[name=decision][value=approve]").check()
    submit(entry_reviewer, decision.locator("button[type=submit]"))
    assert en("The entry is published.") in entry_reviewer.locator(".messages").inner_text()
    version.refresh_from_db()
    resource.refresh_from_db()
    assert (version.status, resource.published_version_id) == ("published", version.pk)

    # ... and the entry is in the catalog, found by a word of its description.
    entry_reviewer.goto("/catalog/resources/?q=冠心病")
    results = entry_reviewer.get_by_test_id("catalog-results").locator("tbody tr")
    assert results.count() == 1 and TITLE in results.first.inner_text()
    assert results.first.get_by_test_id("level-badge").inner_text() == en("Level %(level)s") % {"level": 3}

    # 2. The Xiamen hospital's administrator, in Chinese, finds the entry and applies for it.
    applying = person("demo_researcher", "zh-CN")
    applying.goto("/catalog/resources/")
    assert applying.get_by_test_id("catalog-results").locator("tbody tr").count() > 1  # the demo's entries too
    applying.get_by_role("searchbox").fill(TITLE)  # the list filters as one types (htmx swaps the rows)
    found = applying.get_by_test_id("catalog-results").locator("tbody tr")
    expect(found).to_have_count(1)
    expect(found.get_by_test_id("level-badge")).to_have_text(zh("Level %(level)s") % {"level": 3})
    submit(applying, found.get_by_role("link", name=TITLE))
    assert applying.locator("h1").inner_text().startswith(TITLE)
    submit(applying, applying.get_by_test_id("apply-link"))
    assert resource.code in applying.get_by_test_id("preselected-resource").inner_text()
    answers = applying.get_by_test_id("answers-form")
    for name, value in {
        "title": PROJECT, "purpose": "分析冠心病门诊患者的用药依从性及其影响因素，为慢病管理提供依据。",
        "project_description": "回顾性队列研究，使用去标识化的门诊记录，按季度汇总分析。",
        "legal_basis_note": "厦门市第一医院伦理委员会批件 2026-031", "period_start": today.isoformat(),
        "period_end": period_end.isoformat(),
        "security_measures": "专用分析服务器，双人授权访问，全程审计日志，数据不出境。",
        "deidentification_description": "就诊流水号以密钥散列替换，出生日期仅保留年份。",
    }.items():
        answers.locator(f"[name={name}]").fill(value)
    answers.locator("[name=legal_basis]").select_option("scientific_research")
    answers.locator("[name=delivery_mode]").select_option("file_transfer")
    answers.locator("[name=deidentification_method]").select_option("pseudonymisation")
    submit(applying, answers.locator("button[type=submit]"))
    application = SharingApplication.objects.get(applicant=applicant, title=PROJECT)
    assert application.status == SharingApplication.Status.DRAFT

    # ... chooses three of the four fields, the personal one included,
    item = applying.get_by_test_id(f"item-{resource.pk}")
    for name in ("就诊流水号", "出生年份", "诊断编码（ICD-10）"):
        item.get_by_label(name, exact=True).check()
    item.locator(f"[name=justification_{resource.pk}]").fill("分析所需的最少字段。")
    submit(applying, applying.get_by_test_id("items-form").get_by_role(
        "button", name=zh("Save resources and fields")))
    assert set(application.items.get().fields.values_list("name", flat=True)) == {
        "就诊流水号", "出生年份", "诊断编码（ICD-10）"}

    # ... accepts the data use agreement (as the lead recipient),
    applying.goto(f"/catalog/applications/{application.pk}/recipients/")
    submit(applying, applying.get_by_test_id("recipients-table").get_by_role(
        "link", name=zh("Read and accept the agreement")))
    accept = applying.get_by_test_id("accept-form")
    accept.locator("[name=accept]").check()
    submit(applying, accept.locator("button[type=submit]"))
    assert application.recipients.get(user=researcher).agreement_id is not None

    # ... uploads the ethics approval,
    applying.goto(f"/catalog/applications/{application.pk}/documents/")
    upload = applying.get_by_test_id("document-form")
    upload.locator("[name=kind]").select_option("ethics_approval")
    upload.locator("[name=file]").set_input_files(files=pdf_file("伦理审查批件.pdf"))
    submit(applying, upload.locator("button[type=submit]"))
    assert "伦理审查批件.pdf" in applying.get_by_test_id("documents-list").inner_text()

    # ... checks: nothing to correct, the route is the provider then the Fuzhou municipal department.
    applying.goto(f"/catalog/applications/{application.pk}/check/")
    assert applying.get_by_test_id("check-ok").is_visible()
    plan = applying.get_by_test_id("route-plan").locator("li")
    assert plan.count() == 2
    assert zh("Provider of the data") in plan.nth(0).inner_text() and hospital.name in plan.nth(0).inner_text()
    assert zh("Municipal department of the provider") in plan.nth(1).inner_text()
    assert city_reviewer.organisation.name in plan.nth(1).inner_text()
    applying.screenshot(path=SHOTS.format("2-check-route-zh"), full_page=True)
    submit(applying, applying.get_by_test_id("submit-form").locator("button[type=submit]"))
    application.refresh_from_db()
    assert (application.status, application.level) == (SharingApplication.Status.IN_REVIEW, 3)
    assert applying.get_by_test_id("application-status").inner_text() == zh(
        SharingApplication.Status.IN_REVIEW.label)
    steps = list(application.steps.order_by("order"))
    assert [(step.kind, step.organisation_id, step.status) for step in steps] == [
        ("provider", hospital.pk, "active"), ("provider_municipal", city_reviewer.organisation_id, "waiting")]

    # 3. The provider's step, in Chinese: the administrator names itself, declares no conflict and approves
    # with conditions.
    decide_step(provider, application, steps[0], hospital_admin.full_name, "approve_with_conditions",
                conditions=CONDITIONS_PROVIDER, comment="同意按申请字段提供去标识化数据。")
    assert provider.get_by_test_id("step-status").first.inner_text() == zh(
        RouteStep.Status.APPROVED_WITH_CONDITIONS.label)

    # ... the Fuzhou municipal step, in English: the reviewer names herself, declares and approves.
    city = person("demo_city_reviewer", "en")
    decide_step(city, application, steps[1], city_reviewer.full_name, "approve", comment=CITY_COMMENT)
    assert city.get_by_test_id("step-status").first.inner_text() == en(RouteStep.Status.APPROVED.label)
    city.screenshot(path=SHOTS.format("3-municipal-step-en"), full_page=True)

    # ... the applicant sees the application approved, both decisions (the provider's conditions) and the grant.
    application.refresh_from_db()
    grant = DataGrant.objects.get(application=application)
    assert application.status == SharingApplication.Status.APPROVED
    assert (grant.status, grant.starts_on, grant.ends_on) == (DataGrant.Status.ACTIVE, today, period_end)
    applying.goto(f"/catalog/applications/{application.pk}/")
    assert applying.get_by_test_id("application-status").inner_text() == zh(SharingApplication.Status.APPROVED.label)
    route = applying.get_by_test_id("route").locator("li")
    assert route.count() == 2
    first, second = route.nth(0).inner_text(), route.nth(1).inner_text()
    assert zh(RouteStep.Status.APPROVED_WITH_CONDITIONS.label) in first and CONDITIONS_PROVIDER in first, first
    assert hospital.name in first and city_reviewer.organisation.name in second
    assert zh(RouteStep.Status.APPROVED.label) in second and CITY_COMMENT in second, second
    shown_grant = applying.get_by_test_id("grant").inner_text()
    assert grant.number in shown_grant and zh(DataGrant.Status.ACTIVE.label) in shown_grant
    applying.screenshot(path=SHOTS.format("4-approved-zh"), full_page=True)

    # 4. The provider records the de-identification with its evidence and the release, on the grant page.
    provider.goto("/catalog/grants/")
    submit(provider, provider.get_by_test_id("grant-table").get_by_role("link", name=grant.number))
    assert provider.get_by_test_id("grant-status").inner_text() == zh(DataGrant.Status.ACTIVE.label)
    conditions = provider.get_by_test_id("grant-conditions").inner_text()
    assert conditions == f"{hospital.name}: {CONDITIONS_PROVIDER}", conditions
    deid = provider.get_by_test_id("deidentification-form")
    deid.locator("[name=deid-method]").select_option("pseudonymisation")
    deid.locator("[name=deid-description]").fill("就诊流水号以 HMAC-SHA256 替换，出生日期泛化为年份，经再识别风险评估。")
    deid.locator("[name=deid-evidence]").set_input_files(files=pdf_file("去标识化评估报告.pdf"))
    submit(provider, deid.locator("button[type=submit]"))
    record = DeidentificationRecord.objects.get(grant=grant)
    assert "去标识化评估报告.pdf" in provider.get_by_test_id("grant-deidentifications").inner_text()

    checksum = hashlib.sha256(RELEASE_BYTES).hexdigest()
    release = provider.get_by_test_id("release-form")
    release.locator("[name=release-recipient]").select_option(str(researcher.pk))
    release.locator("[name=release-deidentification]").select_option(str(record.pk))
    release.locator("[name=release-description]").fill("2020—2025 年心血管门诊记录（去标识化）")
    release.locator("[name=release-file_name]").fill("cardiology_2020_2025.csv.gpg")
    release.locator("[name=release-checksum]").fill(checksum)
    release.locator("[name=release-record_count]").fill(str(RECORDS))
    submit(provider, release.locator("button[type=submit]"))
    released = DataRelease.objects.get(grant=grant)
    assert (released.checksum, released.record_count, released.recipient_id) == (checksum, RECORDS, researcher.pk)
    shown = provider.get_by_test_id("grant-releases").locator("tbody tr").first.inner_text()
    assert "cardiology_2020_2025.csv.gpg" in shown and checksum in shown and researcher.full_name in shown
    assert RECORDS in numbers(shown), shown
    provider.screenshot(path=SHOTS.format("5-released-zh"), full_page=True)

    # 5. The grant's end date passes: the nightly job expires it; a certificate of destruction is due.
    day_after = period_end + datetime.timedelta(days=1)
    with on(day_after):
        assert grants_expire_due(today=day_after) == 1
        grant.refresh_from_db()
        assert grant.status == DataGrant.Status.EXPIRED and grant.destruction_due_on > day_after
        applying.goto(f"/catalog/grants/{grant.pk}/")
        assert applying.get_by_test_id("grant-status").inner_text() == zh(DataGrant.Status.EXPIRED.label)
        due = applying.get_by_test_id("destruction-due").inner_text()
        assert grant.destruction_due_on.isoformat() in due, due
        provider.goto(f"/catalog/grants/{grant.pk}/")  # nothing more may be released
        assert provider.get_by_test_id("grant-status").inner_text() == zh(DataGrant.Status.EXPIRED.label)
        assert provider.get_by_test_id("release-form").count() == 0

        # 6. The applicant files the certificate of destruction with the signed PDF; the grant is closed.
        certificate = applying.get_by_test_id("certificate-form")
        certificate.locator("[name=certificate-destroyed_on]").fill(day_after.isoformat())
        certificate.locator("[name=certificate-method]").fill("分析服务器与备份中的全部副本已用安全擦除工具删除，经信息科复核。")
        certificate.locator("[name=certificate-signed_by_name]").fill("沈思远")
        certificate.locator("[name=certificate-document]").set_input_files(files=pdf_file("数据销毁证明.pdf"))
        submit(applying, certificate.locator("button[type=submit]"))
        assert applying.get_by_test_id("grant-status").inner_text() == zh(DataGrant.Status.CLOSED.label)
        filed = applying.get_by_test_id("grant-certificate").inner_text()
        assert "数据销毁证明.pdf" in filed and day_after.isoformat() in filed and "沈思远" in filed
        assert applying.get_by_test_id("destruction-due").count() == 0
        applying.screenshot(path=SHOTS.format("6-closed-zh"), full_page=True)
    grant.refresh_from_db()
    assert grant.status == DataGrant.Status.CLOSED
    assert DestructionCertificate.objects.get(grant=grant).destroyed_on == day_after


def decide_step(page, application, step, reviewer_name: str, decision: str, *, conditions: str = "",
                comment: str = "") -> None:
    """From the review work list: name oneself on the step, declare no conflict, record the decision."""
    page.goto("/catalog/review/")
    unassigned = page.get_by_test_id("unassigned-steps")
    submit(page, unassigned.get_by_role("link", name=application.number))
    page.wait_for_url(re.compile(rf"/catalog/review/steps/{step.pk}/$"))
    assign = page.locator("form:has(input[name=action][value=assign])")
    assign.get_by_label(reviewer_name, exact=True).check()
    submit(page, assign.locator("button[type=submit]"))
    assert reviewer_name in page.get_by_test_id("reviewers").inner_text()
    declare = page.locator("form:has(input[name=action][value=declare])")
    assert declare.locator("[name=statement]").input_value()  # the standard declaration, prefilled
    declare.locator("[name=confirm]").check()
    submit(page, declare.locator("button[type=submit]"))
    assert reviewer_name in page.get_by_test_id("declarations").inner_text()
    form = page.locator("#decision-form")
    form.locator(f"input[name=decision][value={decision}]").check()
    if comment:
        form.locator("[name=comment]").fill(comment)
    if conditions:
        form.locator("[name=conditions]").fill(conditions)
    submit(page, form.locator("button[type=submit]"))
    step.refresh_from_db()
    assert step.status == ("approved_with_conditions" if decision == "approve_with_conditions" else "approved")
