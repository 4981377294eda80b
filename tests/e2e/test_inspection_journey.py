"""Done-when of the inspections issue (SUP-1, SUP-5): the inspector's journey and the signed PDF report driven in
the browser, from the double-random draw to the public verification of the downloaded report.

Each person works in a browser of their own (one context each, signed in once): the provincial department head
in English on a desktop; the lead inspector in Chinese on a tablet (820 × 1180: the navigation bar collapses, the
checklist cards stack); the inspected hospital's data security officer in Chinese on a desktop; an anonymous
visitor in Chinese. The plan of the provincial department (scope: Fuzhou's hospitals, so the one admitted
hospital there is the only candidate), its four-item checklist and its pool of two inspectors are prepared
through the services: making a plan is not the point here. Everything else is done on the pages: the draw and
its replay, the on-site record (every item saved on its own by htmx, one failed item with a PNG photo, the
one-click finding), closing with a deadline, the report page's progress until the real Celery worker on the pdf
queue has rendered and signed the report, the download, the rectification report with its PDF evidence, its
acceptance, and the public verification page given the downloaded file and a copy with one byte changed. The
downloaded PDF is opened here: its Chinese text (institution, finding) and its signature with the department's
key. Visible words are compared with the catalogue's translation, computed here."""

import datetime
import hashlib
import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.accounts.models import Organisation
from apps.core.signing import verify_pdf
from apps.inspections.models import (
    Evidence,
    Finding,
    Inspection,
    InspectionReport,
    ItemResult,
    RectificationOrder,
    TargetSelection,
    TeamMember,
)
from apps.inspections.services import reports as report_services
from apps.inspections.services.plans import plan_activate, plan_create, plan_pool_add
from apps.institutions.services.credit_defaults import credit_defaults_ensure
from tests.conftest import make_user
from tests.e2e.helpers import sign_in
from tests.factories import PASSWORD, department
from tests.inspections.factories import make_checklist
from tests.inspections.reports_factories import png_bytes
from tests.institutions.factories import make_institution
from tests.institutions.uploads import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SHOTS = "var/e2e-inspection-{}.png"
DESKTOP = {"width": 1360, "height": 900}
TABLET = {"width": 820, "height": 1180}
HOSPITAL = "福州市鼓楼区第一人民医院"
PLAN_TITLE = "2026年福州市医院数据安全“双随机、一公开”抽查"
FINDING_TITLE = "未按要求开展数据备份恢复演练"
FAILURE_NOTES = "近十二个月无数据备份恢复演练记录，备份介质与生产服务器存放于同一机柜。"
PHOTO = "机房备份介质.png"
PHOTO_CAPTION = "备份介质与生产服务器同一机柜"
SUMMARY = "该院数据安全管理制度基本健全，但未开展备份恢复演练，责令限期整改。"
RECTIFICATION = "已于本月完成全量数据备份恢复演练，备份介质已迁至异地机房，并修订了备份管理制度。"
EVIDENCE_PDF = "备份恢复演练报告.pdf"
# The result recorded for each of the four items (T1 fails: a major non-conformity with notes and a photo).
RESULTS = {"T1": ("major_nc", FAILURE_NOTES), "T2": ("compliant", "备份策略文件齐全，每日增量备份。"),
           "T3": ("observation", "备份日志保留期限建议延长至一年。"), "T4": ("not_applicable", "")}


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


@pytest.fixture
def person(browser, live_server):
    """`person(username, language, viewport)`: a browser of one's own, signed in; English users switch."""
    contexts = []

    def open_as(username: str | None, language: str, viewport=DESKTOP):
        context = browser.new_context(locale="en-GB" if language == "en" else "zh-CN", base_url=live_server.url,
                                      extra_http_headers={"Accept-Language": language}, viewport=viewport,
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
    """Follow an entry of the main navigation's dropdown `group` (opening the collapsed bar on a tablet)."""
    nav = page.locator("#main-nav")
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(nav).to_be_visible()
    nav.get_by_role("button", name=group, exact=True).click()
    submit(page, nav.get_by_role("link", name=entry, exact=True))


def world() -> dict:
    """The provincial department, its head and two inspectors, the hospital (the only admitted hospital of Fuzhou)
    and its security officer, institutions the plan's scope leaves out, and the active plan with its pool."""
    credit_defaults_ensure()  # the credit rules a confirmed finding raises (a transactional test flushed them)
    province = department("350000", "provincial", "福建省卫生健康委员会")
    head = make_user(province, "department_head", username="insp_head", full_name="王建国")
    inspectors = [make_user(province, "inspector", username="insp_huang", full_name="黄志强"),
                  make_user(province, "inspector", username="insp_chen", full_name="陈立华")]
    hospital = make_institution("350102", name=HOSPITAL)
    make_institution("350203", name="厦门市思明区第一医院")  # outside the plan's regions
    make_institution("350102", name="福州市鼓楼区疾病预防控制中心", type="public_health")  # not a hospital
    make_institution("350102", status="applicant", name="福州市鼓楼区康复医院")  # not admitted
    officer = make_user(Organisation.objects.get(pk=hospital.pk), "security_officer", username="hospital_officer",
                        full_name="何俊")
    checklist = make_checklist(4)
    today = timezone.localdate()
    plan = plan_create(data={
        "title": PLAN_TITLE, "kind": "annual", "subject": "routine", "description": "随机抽取检查对象、随机选派检查人员。",
        "starts_on": today, "ends_on": today + datetime.timedelta(days=180), "scope_regions": ["350100"],
        "scope_types": ["hospital"], "checklist": checklist.pk}, by=head)
    plan = plan_activate(plan=plan, by=head)
    for inspector in inspectors:
        plan_pool_add(plan=plan, user=inspector, by=head)
    return {"province": province, "head": head, "inspectors": inspectors, "hospital": hospital, "officer": officer,
            "plan": plan}


def one_byte_changed(content: bytes) -> bytes:
    """The PDF with one byte flipped in the middle of its largest stream (a font or an image, not an object or
    cross-reference stream, so the file stays readable and still carries the report's signature), inside the
    byte range the signature covers."""
    candidates = []
    for found in re.finditer(rb"(?<!end)stream\r?\n", content):
        end = content.index(b"endstream", found.end())
        header = content[content.rfind(b" obj", 0, found.start()):found.start()]
        if b"/ObjStm" not in header and b"/XRef" not in header:
            candidates.append((end - found.end(), found.end()))
    length, start = max(candidates)
    position = start + length // 2
    signed_until = int(re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", content).group(1))
    assert position < signed_until  # before the signature's own bytes: inside what it signs
    changed = bytearray(content)
    changed[position] ^= 0x01
    return bytes(changed)


def item_card(page, code: str):
    return page.get_by_test_id(f"item-{code}")


def fill_item(card, code: str) -> None:
    """Choose the item's result and type its notes (not saved yet)."""
    result, notes = RESULTS[code]
    card.get_by_label(zh(dict(ItemResult.Result.choices)[result]), exact=True).check()
    card.locator("textarea[name$=-notes]").fill(notes)


def save_item(page, code: str) -> None:
    """Save one item: htmx posts its form alone and swaps its card (no page load)."""
    card = item_card(page, code)
    with page.expect_response(lambda response: "/record/items/" in response.url) as answer:
        card.get_by_role("button", name=zh("Save %(code)s") % {"code": code}).click()
    assert answer.value.status == 200 and answer.value.request.headers.get("hx-request") == "true"
    expect(item_card(page, code).get_by_test_id("item-saved")).to_have_text(zh("Item %(code)s is saved.")
                                                                             % {"code": code})


def progress(page, answered: int) -> None:
    expect(page.get_by_test_id("record-progress")).to_have_text(
        zh("%(answered)s of %(total)s answered") % {"answered": answered, "total": 4})


def test_an_inspection_is_drawn_recorded_closed_reported_rectified_and_its_report_verified(person, request,
                                                                                          monkeypatch):
    people = world()
    plan, department_ = people["plan"], people["province"]
    today = timezone.localdate()

    # 1. The provincial department head, in English, draws one target with a team of two from the pool of two.
    head = person("insp_head", "en")
    open_menu(head, en("Inspections"), en("Inspection plans"))
    submit(head, head.get_by_test_id("plan-table").get_by_role("link", name=PLAN_TITLE))
    submit(head, head.get_by_test_id("plan-actions").get_by_role("link", name=en("Double-random draw")))
    inputs = head.get_by_test_id("draw-inputs").locator("dd")
    assert inputs.nth(0).inner_text() == "1"  # the Xiamen hospital, the CDC and the applicant are out of scope
    assert inputs.nth(1).inner_text().startswith("2")
    form = head.get_by_test_id("selection-form")
    form.locator("[name=target_count]").fill("1")
    form.locator("[name=team_size]").fill("2")
    submit(head, form.get_by_role("button", name=en("Draw")))
    selection = TargetSelection.objects.get(plan=plan)
    head.wait_for_url(re.compile(rf"/inspections/selections/{selection.pk}/$"))
    inspection = Inspection.objects.get(selection=selection)
    team = list(TeamMember.objects.filter(inspection=inspection).select_related("user").order_by("role"))
    lead = next(member.user for member in team if member.role == TeamMember.Role.LEAD)
    assert {member.user for member in team} == set(people["inspectors"])
    row = head.get_by_test_id("selection-result").locator("tbody tr")
    expect(row).to_have_count(1)
    shown = row.inner_text()
    assert HOSPITAL in shown and inspection.number in shown and shown.index(lead.full_name) < shown.index(
        next(member.user.full_name for member in team if member.user != lead)), shown  # leader first
    digest = head.get_by_test_id("digest").inner_text()
    assert digest == selection.digest
    # ... and replays it from the recorded inputs: the same result and digest.
    submit(head, head.get_by_test_id("replay"))
    expect(head.get_by_test_id("replay-result")).to_have_text(
        en("Same result: the replay reproduces the recorded selection and its digest."))
    assert head.get_by_test_id("digest").inner_text() == digest
    assert head.get_by_test_id("selection-result").locator("tbody tr").inner_text() == shown
    head.screenshot(path=SHOTS.format("01-draw-replayed-en"), full_page=True)

    # 2. The lead inspector, in Chinese on a tablet, opens "my inspections", the inspection, and starts it.
    inspector = person(lead.username, "zh-CN", TABLET)
    open_menu(inspector, zh("Inspections"), zh("My inspections"))
    mine = inspector.get_by_test_id("my-inspections").locator("tbody tr").filter(has_text=inspection.number)
    assert HOSPITAL in mine.inner_text() and zh("Team leader") in mine.inner_text()
    inspector.screenshot(path=SHOTS.format("02-my-inspections-tablet-zh"), full_page=True)
    submit(inspector, mine.get_by_role("link", name=inspection.number))
    submit(inspector, inspector.get_by_test_id("record-link"))
    inspector.wait_for_url(re.compile(rf"/inspections/{inspection.pk}/record/$"))
    submit(inspector, inspector.get_by_test_id("start"))
    expect(inspector.get_by_test_id("inspection-status")).to_have_text(zh(Inspection.Status.IN_PROGRESS.label))
    progress(inspector, 0)

    # ... types T2's result but does not save it yet; records T1 (a major non-conformity, notes and a photo).
    fill_item(item_card(inspector, "T2"), "T2")
    t1 = item_card(inspector, "T1")
    fill_item(t1, "T1")
    t1.locator("input[type=file]").set_input_files(files=[
        {"name": PHOTO, "mimeType": "image/png", "buffer": png_bytes(7)}])
    t1.locator("input[name$=-caption]").fill(PHOTO_CAPTION)
    save_item(inspector, "T1")
    progress(inspector, 1)
    t1 = item_card(inspector, "T1")
    assert PHOTO in t1.get_by_test_id("item-evidence").inner_text()
    assert t1.locator("input[value=major_nc]").is_checked()
    # ... saving T1 swapped T1 alone: what was typed for T2 is still there, unsaved.
    t2 = item_card(inspector, "T2")
    assert t2.locator("input[value=compliant]").is_checked()
    assert t2.locator("textarea[name$=-notes]").input_value() == RESULTS["T2"][1]
    assert not ItemResult.objects.filter(inspection=inspection, item__code="T2").exists()
    inspector.screenshot(path=SHOTS.format("03-record-one-saved-tablet-zh"), full_page=True)

    # ... saves T2, then records T3 and T4, each on its own.
    save_item(inspector, "T2")
    for code in ("T3", "T4"):
        fill_item(item_card(inspector, code), code)
        save_item(inspector, code)
    progress(inspector, 4)

    # ... reloads the page: every result and note is kept, the photo too.
    inspector.reload()
    for code, (result, notes) in RESULTS.items():
        card = item_card(inspector, code)
        assert card.locator(f"input[value={result}]").is_checked(), code
        assert card.locator("textarea[name$=-notes]").input_value() == notes, code
    assert PHOTO in item_card(inspector, "T1").get_by_test_id("item-evidence").inner_text()
    assert dict(ItemResult.objects.filter(inspection=inspection).values_list("item__code", "result")) == {
        code: result for code, (result, _notes) in RESULTS.items()}
    assert Evidence.objects.get(inspection=inspection).original_name == PHOTO
    inspector.screenshot(path=SHOTS.format("04-record-all-saved-tablet-zh"), full_page=True)

    # ... records the finding of the failed item in one click, then words its title.
    assert item_card(inspector, "T2").get_by_test_id("finding-from-T2").count() == 0  # compliant: no finding
    submit(inspector, item_card(inspector, "T1").get_by_test_id("finding-from-T1"))
    finding = Finding.objects.get(inspection=inspection)
    inspector.wait_for_url(re.compile(rf"/inspections/findings/{finding.pk}/$"))
    assert (finding.item.code, finding.severity, finding.description) == ("T1", "major", FAILURE_NOTES)
    assert zh("Finding F%(number)s is recorded; check its text.") % {"number": 1} in inspector.locator(
        ".messages").inner_text()
    submit(inspector, inspector.get_by_test_id("edit-finding"))
    wording = inspector.get_by_test_id("finding-form")
    assert wording.locator("[name=title]").input_value() == "T1 检查项1"  # the item's code and text
    wording.locator("[name=title]").fill(FINDING_TITLE)
    submit(inspector, wording.get_by_role("button", name=zh("Save"), exact=True))
    expect(inspector.locator("h1")).to_have_text(f"F1 {FINDING_TITLE}")
    assert FAILURE_NOTES in inspector.get_by_test_id("finding-facts").inner_text()
    inspector.screenshot(path=SHOTS.format("05-finding-tablet-zh"), full_page=True)

    # ... closes the inspection: rectification required, with a deadline for the finding.
    deadline = today + datetime.timedelta(days=30)
    inspector.goto(f"/inspections/{inspection.pk}/record/")
    assert f"F1 {FINDING_TITLE}" in inspector.get_by_test_id("findings").inner_text()
    submit(inspector, inspector.get_by_test_id("close-link"))
    close = inspector.get_by_test_id("close-form")
    assert inspector.get_by_test_id("unanswered").count() == 0
    close.get_by_label(zh(Inspection.Outcome.RECTIFICATION.label), exact=True).check()
    close.locator("[name=summary]").fill(SUMMARY)
    close.locator(f"[name=deadline_{finding.pk}]").fill(deadline.isoformat())
    inspector.screenshot(path=SHOTS.format("06-close-tablet-zh"), full_page=True)
    submit(inspector, close.get_by_test_id("close"))
    inspector.wait_for_url(re.compile(rf"/inspections/{inspection.pk}/$"))
    assert inspector.get_by_test_id("outcome").inner_text() == zh(Inspection.Outcome.RECTIFICATION.label)
    order = RectificationOrder.objects.get(finding=finding)
    assert (order.deadline, order.status) == (deadline, RectificationOrder.Status.ISSUED)
    assert order.number in inspector.get_by_test_id("orders").inner_text()
    inspector.screenshot(path=SHOTS.format("07-inspection-closed-tablet-zh"), full_page=True)

    # ... opens the report page: it shows its progress while no worker has taken the task yet,
    report = InspectionReport.objects.get(inspection=inspection)
    assert report.department_id == department_.pk
    submit(inspector, inspector.get_by_test_id("report").get_by_role("link", name=zh("Inspection report")))
    inspector.wait_for_url(re.compile(rf"/inspections/reports/{report.pk}/$"))
    expect(inspector.get_by_test_id("report-pending")).to_be_visible()
    assert inspector.get_by_test_id("report-progress").get_attribute("value") == "5"  # queued
    inspector.screenshot(path=SHOTS.format("08-report-in-progress-tablet-zh"), full_page=True)
    # ... then the real worker starts on the pdf queue (sharing the cache, so its stages reach the page) and the
    # page, polling every two seconds, turns to "ready" by itself.
    monkeypatch.setenv("CACHE_KEY_PREFIX", settings.CACHES["default"]["KEY_PREFIX"])
    worker = request.getfixturevalue("celery_worker_process")
    ready = inspector.get_by_test_id("report-ready")
    try:
        expect(ready).to_be_visible(timeout=120_000)
    except AssertionError:
        pytest.fail(f"the report did not become ready:\n{worker['log'].read_text()}")
    report.refresh_from_db()
    assert report.status == InspectionReport.Status.READY and report.signed
    assert inspector.get_by_test_id("report-sha256").inner_text() == report.sha256
    code = inspector.get_by_test_id("report-code").inner_text()
    assert code == report_services.format_code(report.verification_code)
    inspector.screenshot(path=SHOTS.format("09-report-ready-tablet-zh"), full_page=True)

    # ... downloads the signed PDF through the page, and the file is the report issued,
    with inspector.expect_download() as download_info:
        inspector.get_by_test_id("report-download").click()
    download = download_info.value
    assert download.suggested_filename == f"{inspection.number}-R.pdf"
    content = open(download.path(), "rb").read()  # noqa: SIM115 - Playwright's temporary file
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == report.sha256
    # ... in Chinese, naming the hospital and the finding,
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(content)).pages)
    flat = re.sub(r"\s+", "", text)
    assert HOSPITAL in flat and FINDING_TITLE in flat and "福建省卫生健康委员会" in flat, flat[:2000]
    assert report_services.format_code(report.verification_code) in flat
    printed_address = report_services.verification_url(report.verification_code)
    assert printed_address in flat
    # ... and signed with the department's key.
    signature = verify_pdf(content, organisation=department_)
    assert signature["ok"] and signature["intact"] and signature["valid"] and signature["trusted"], signature
    assert signature["covers_whole_file"] and signature["certificate_fingerprint"] == report.certificate_fingerprint

    # 3. The hospital's security officer, in Chinese, finds the order under "rectification orders" and answers
    # it with a report and a PDF of evidence.
    officer = person("hospital_officer", "zh-CN")
    open_menu(officer, zh("My institution"), zh("Rectification orders"))
    orders = officer.get_by_test_id("orders").locator("tbody tr")
    expect(orders).to_have_count(1)
    assert FINDING_TITLE in orders.inner_text() and deadline.isoformat() in orders.inner_text()
    submit(officer, orders.get_by_role("link", name=order.number))
    assert officer.get_by_test_id("order-status").inner_text() == zh(RectificationOrder.Status.ISSUED.label)
    assert officer.get_by_test_id("deadline").inner_text().startswith(deadline.isoformat())
    respond = officer.get_by_test_id("respond-form")
    respond.locator("[name=report]").fill(RECTIFICATION)
    respond.locator("[name=files]").set_input_files(files=[
        {"name": EVIDENCE_PDF, "mimeType": "application/pdf", "buffer": PDF}])
    submit(officer, respond.get_by_role("button", name=zh("Submit the report")))
    assert officer.get_by_test_id("order-status").inner_text() == zh(RectificationOrder.Status.SUBMITTED.label)
    answer = officer.get_by_test_id("response-1").inner_text()
    assert RECTIFICATION in answer and EVIDENCE_PDF in answer
    assert officer.get_by_test_id("respond-form").count() == 0
    officer.screenshot(path=SHOTS.format("10-order-answered-zh"), full_page=True)

    # ... the lead inspector, from the inspection page, accepts it,
    inspector.goto(f"/inspections/{inspection.pk}/")
    submit(inspector, inspector.get_by_test_id("orders").get_by_role("link", name=order.number))
    assert EVIDENCE_PDF in inspector.get_by_test_id("response-1").inner_text()
    decide = inspector.get_by_test_id("verify-form")
    decide.get_by_label(zh("Accept the rectification"), exact=True).check()
    decide.locator("[name=comment]").fill("演练记录完整，整改到位。")
    submit(inspector, decide.get_by_role("button", name=zh("Record the decision")))
    assert inspector.get_by_test_id("order-status").inner_text() == zh(RectificationOrder.Status.ACCEPTED.label)
    inspector.screenshot(path=SHOTS.format("11-order-accepted-tablet-zh"), full_page=True)
    # ... and the hospital sees its order accepted.
    officer.reload()
    assert officer.get_by_test_id("order-status").inner_text() == zh(RectificationOrder.Status.ACCEPTED.label)
    order.refresh_from_db()
    finding.refresh_from_db()
    assert (order.status, finding.status) == (RectificationOrder.Status.ACCEPTED, Finding.Status.RESOLVED)

    # 4. Anyone checks the downloaded report on the public verification page.
    # The visitor types the address printed on the report (the public pages are not in an anonymous visitor's
    # navigation): the code alone already says the report was issued and its stored file is intact,
    visitor = person(None, "zh-CN")
    visitor.goto(urlsplit(printed_address).path)
    expect(visitor.get_by_test_id("verify-ok")).to_contain_text(
        zh("This code belongs to a report issued through this portal."))
    assert visitor.get_by_test_id("verify-sha256").inner_text() == report.sha256
    # ... and the downloaded file, uploaded, is that report, unchanged,
    visitor.get_by_test_id("verify-form").locator("[name=file]").set_input_files(files=[
        {"name": download.suggested_filename, "mimeType": "application/pdf", "buffer": content}])
    submit(visitor, visitor.get_by_test_id("verify-form").get_by_role("button", name=zh("Verify")))
    expect(visitor.get_by_test_id("verify-ok")).to_contain_text(
        zh("Your file is a genuine, unchanged report issued through this portal."))
    facts = visitor.get_by_test_id("verify-result").inner_text()
    assert report_services.report_number(report) in facts and HOSPITAL in facts and code in facts
    assert visitor.get_by_test_id("verify-uploaded-sha256").inner_text() == report.sha256
    assert lead.full_name not in visitor.locator("main").inner_text()  # no person's name on the public page
    visitor.screenshot(path=SHOTS.format("12-verified-genuine-zh"), full_page=True)
    # ... while a copy with one byte changed inside a signed content stream is recognised as changed.
    tampered = one_byte_changed(content)
    form = visitor.get_by_test_id("verify-form")
    form.locator("[name=file]").set_input_files(files=[
        {"name": "检查报告（副本）.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)}])
    submit(visitor, form.get_by_role("button", name=zh("Verify")))
    expect(visitor.get_by_test_id("verify-changed")).to_contain_text(
        zh("Your file is NOT the report issued: it has been changed."))
    assert zh("The signed content has been changed.") in visitor.get_by_test_id("verify-signature").inner_text()
    assert report_services.report_number(report) in visitor.get_by_test_id("verify-result").inner_text()
    assert visitor.get_by_test_id("verify-ok").count() == 0
    visitor.screenshot(path=SHOTS.format("13-verified-changed-zh"), full_page=True)
