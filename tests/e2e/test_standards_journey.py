"""Done-when of the standards issue: a proposal from the public goes through the whole lifecycle to "in force",
an institution declares adoption, the adoption chart changes, and an effectiveness assessment starts a revision
(STD-1, STD-2, STD-3, STD-5, STD-7), the main path driven in the browser.

Each person works in a browser of their own (one context each, signed in once): the public in Chinese, the
standards officer and the department head in English, the expert and the hospital in Chinese. The rules are
the portal's defaults, nothing is lowered: a comment period of STANDARDS_COMMENT_MIN_DAYS (30) days and
STANDARDS_MIN_EXPERTS (3) experts. Time passes with `on(day)`, which patches `timezone.localdate` for the
live server too (it runs in a thread of this process): the comment period ends, then the in-force date comes.
Of the three experts one votes in the browser; the other two are recorded through `opinion_submit`, the
service behind the same form. Visible words are compared with the catalogue's translation, computed here."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.regions.models import Region
from apps.standards.models import (
    AdoptionDeclaration,
    EffectivenessAssessment,
    ExpertReviewer,
    FrameworkCategory,
    PublicComment,
    ReviewOpinion,
    Standard,
    StandardProposal,
    WorkingGroupMember,
)
from apps.standards.services import lifecycle, participation
from tests.e2e.helpers import sign_in
from tests.institutions.uploads import PDF
from tests.standards.lifecycle_helpers import on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
S = Standard.Status
TITLE = "区域全民健康信息平台数据接口规范"
SHOTS = "var/e2e-standards-{}.png"


def zh(text) -> str:
    """The Chinese the page shows for a catalogue message or a choice label."""
    with translation.override("zh-hans"):
        return str(gettext(text) if isinstance(text, str) else text)


def submit(page, button) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def run_step(page, key: str, **fields) -> None:
    """Open a workbench step (a <details>), fill its fields (named `<key>-<field>`) and submit it."""
    step = page.get_by_test_id(f"step-{key}")
    step.locator("summary").click()
    for name, value in fields.items():
        step.locator(f"[name='{key}-{name}']").fill(value)
    submit(page, step.locator("button[type=submit]"))


def public_status(page) -> str:
    """The status badge next to the title of a public page (the list of versions repeats it)."""
    return page.locator("main h1").locator("xpath=..").get_by_test_id("standard-status").inner_text()


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


@pytest.fixture
def person(browser, live_server):
    """`person(username, language)`: a browser of one's own, signed in; English users switch the language."""
    contexts = []

    def open_as(username: str, language: str):
        context = browser.new_context(locale="en-GB" if language == "en" else "zh-CN", base_url=live_server.url,
                                      extra_http_headers={"Accept-Language": language})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, username)
        if language == "en":
            submit(page, page.get_by_test_id("language-switch").locator("button[value=en]"))
            assert page.locator("html").get_attribute("lang") == "en"
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_public_proposal_becomes_a_standard_in_force_is_adopted_and_revised(page, person):
    call_command("seed_demo")
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    officer_user, hospital = users["demo_standards"], users["demo_inst_admin"].organisation
    category = FrameworkCategory.objects.order_by("code").first()
    today = timezone.localdate()

    # 1. A visitor, not signed in, proposes a new standard in Chinese and is given the number.
    page.goto("/standards/public/propose/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    form = page.locator("main form")
    form.locator("[name=kind]").select_option(StandardProposal.Kind.NEW)
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=reason]").fill("各地区域平台接口不统一，医疗机构对接成本高，数据难以按时、完整地汇聚到省级平台。")
    form.locator("[name=content]").fill("规定医疗机构与区域平台之间的数据上传接口、消息格式和安全要求。")
    form.locator("[name=proposer_name]").fill("陈思远")
    form.locator("[name=proposer_organisation]").fill("福州市第一医院信息科")
    form.locator("[name=proposer_email]").fill("chen.siyuan@example.cn")
    submit(page, page.locator("main form button[type=submit]"))
    assert page.locator("h1").inner_text() == zh("Thank you for your proposal")
    number = page.get_by_test_id("proposal-number").inner_text()
    proposal = StandardProposal.objects.get(number=number)
    assert (proposal.title, proposal.status, proposal.proposer_id) == (TITLE, StandardProposal.Status.SUBMITTED, None)
    page.screenshot(path=SHOTS.format("proposal-zh"), full_page=True)

    # 2. The standards officer, in English, accepts it as a project, in a category of the framework.
    officer = person("demo_standards", "en")
    officer.goto("/standards/proposals/")
    officer.get_by_test_id("proposal-table").get_by_role("link", name=number).click()
    decision = officer.locator("main form")
    decision.locator("[name=decision]").select_option("accept")
    decision.locator("[name=category]").select_option(str(category.pk))
    submit(officer, decision.locator("button[type=submit]"))
    assert officer.get_by_test_id("proposal-status").inner_text() == StandardProposal.Status.ACCEPTED.label
    proposal.refresh_from_db()
    standard = proposal.project
    assert (standard.status, standard.title, standard.category_id) == (S.PROJECT, TITLE, category.pk)
    assert standard.responsible_department_id == officer_user.organisation_id
    assert standard.code.startswith("WS/T XXX-20XX")  # provisional until publication
    officer.get_by_test_id("project-link").click()
    officer.get_by_test_id("workbench-link").click()
    officer.wait_for_url(re.compile(rf"/standards/{standard.pk}/work/$"))
    assert officer.get_by_test_id("standard-status").inner_text() == S.PROJECT.label

    # ... starts drafting with a working group of two organisations: a hospital's data steward leads, a
    # data-service provider's administrator drafts with them.
    lead, drafter = users["demo_data_steward"], users["demo_provider_admin"]
    assert lead.organisation_id != drafter.organisation_id
    step = officer.get_by_test_id("step-start_drafting")
    step.locator("summary").click()
    step.locator("[name='start_drafting-leads']").select_option(str(lead.pk))
    step.locator("[name='start_drafting-members']").select_option(str(drafter.pk))
    submit(officer, step.locator("button[type=submit]"))
    assert officer.get_by_test_id("standard-status").inner_text() == S.DRAFTING.label
    group = officer.get_by_test_id("working-group").inner_text()
    assert lead.full_name in group and drafter.full_name in group
    assert set(WorkingGroupMember.objects.filter(standard=standard).values_list("organisation_id", flat=True)) == {
        lead.organisation_id, drafter.organisation_id}

    # ... uploads the draft text,
    officer.get_by_test_id("draft").locator(f"a[href='/standards/{standard.pk}/work/draft/']").click()
    draft = officer.locator("main form")
    draft.locator("[name=title_en]").fill("Data interface specification of the regional health information platform")
    draft.locator("[name=scope_note]").fill("适用于医疗机构向区域全民健康信息平台上传数据。")
    draft.locator("[name=text_upload]").set_input_files(
        files=[{"name": "征求意见稿.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    submit(officer, draft.locator("button[type=submit]"))
    standard.refresh_from_db()
    assert standard.text and standard.text_name == "征求意见稿.pdf"

    # ... appoints the minimum number of experts (three by default), none of them in the working group,
    experts = [users["demo_submitter"], users["demo_security_officer"], users["demo_top_leader"]]
    assert len(experts) == lifecycle.min_experts()
    for expert in experts:
        officer.get_by_test_id("experts").locator("details > summary").click()
        appoint = officer.locator(f"form[action='/standards/{standard.pk}/work/experts/']")
        appoint.locator("[name='expert-user']").select_option(str(expert.pk))
        submit(officer, appoint.locator("button[type=submit]"))
    assert officer.get_by_test_id("experts").locator("li.list-group-item").count() == 3
    assert set(ExpertReviewer.objects.filter(standard=standard).values_list("user_id", flat=True)) == {
        expert.pk for expert in experts}

    # ... and opens the public comment period: from today, for the minimum length (the form's defaults).
    run_step(officer, "open_comment")
    standard.refresh_from_db()
    closes = today + datetime.timedelta(days=lifecycle.comment_min_days() - 1)
    assert (standard.status, standard.comment_opens_on, standard.comment_closes_on) == (S.PUBLIC_COMMENT, today, closes)
    assert officer.get_by_test_id("standard-status").inner_text() == S.PUBLIC_COMMENT.label
    officer.screenshot(path=SHOTS.format("workbench-comment-en"), full_page=True)

    # 3. A member of the public comments on the draft, in Chinese, without signing in.
    page.goto(f"/standards/public/{standard.pk}/")
    assert public_status(page) == zh(S.PUBLIC_COMMENT.label)
    submit(page, page.get_by_test_id("comment-open").locator("a"))
    form = page.locator("main form")
    form.locator("[name=author_name]").fill("林晓")
    form.locator("[name=author_organisation]").fill("厦门大学附属中山医院")
    form.locator("[name=author_email]").fill("lin.xiao@example.cn")
    form.locator("[name=clause]").fill("6.3")
    form.locator("[name=text]").fill("建议在消息格式中增加数据版本号字段，便于平台识别接口版本。")
    submit(page, form.locator("button[type=submit]"))
    comment = PublicComment.objects.get(standard=standard)
    assert page.get_by_test_id("comment-received").inner_text() == zh(
        "Comment #%(number)s on %(code)s will be answered by the working group; the answer is published with the "
        "comment (without your e-mail address).") % {"number": comment.pk, "code": standard.code}
    assert (comment.answer, comment.author_id, comment.clause) == (PublicComment.Answer.PENDING, None, "6.3")

    # ... and the officer accepts it on the workbench (the answer form posts with htmx and swaps the comment).
    officer.goto(f"/standards/{standard.pk}/work/")
    item = officer.locator(f"#comment-{comment.pk}")
    item.locator("summary").click()
    item.locator(f"[name='answer-{comment.pk}-answer']").select_option(PublicComment.Answer.ACCEPTED)
    item.locator("button[type=submit]").click()
    officer.locator(f"#comment-{comment.pk} [role=status]").wait_for()
    comment.refresh_from_db()
    assert (comment.answer, comment.answered_by_id) == (PublicComment.Answer.ACCEPTED, officer_user.pk)

    # 4. The day after the period ends: the officer closes it, the experts vote, the officer sends the draft to
    # approval and the department head publishes it with its final code and an in-force date a month later.
    published = closes + datetime.timedelta(days=1)
    in_force = published + datetime.timedelta(days=30)
    final_code = f"WS/T 986-{published.year}"
    with on(published):
        officer.goto(f"/standards/{standard.pk}/work/")
        run_step(officer, "close_comment")
        assert officer.get_by_test_id("standard-status").inner_text() == S.EXPERT_REVIEW.label

        expert = person(experts[0].username, "zh-CN")  # the first expert votes in the browser, in Chinese
        expert.goto("/standards/reviews/")
        submit(expert, expert.get_by_test_id("my-reviews").locator(f"a[href='/standards/{standard.pk}/work/']"))
        vote = expert.get_by_test_id("opinion-form")
        vote.locator("[name='opinion-vote']").select_option(ReviewOpinion.Vote.APPROVE)
        vote.locator("[name='opinion-opinion']").fill("接口定义完整，同意报批。")
        submit(expert, vote.locator("button[type=submit]"))
        assert ReviewOpinion.objects.get(standard=standard, reviewer=experts[0]).vote == ReviewOpinion.Vote.APPROVE
        for other, choice in zip(experts[1:], (ReviewOpinion.Vote.APPROVE, ReviewOpinion.Vote.APPROVE_WITH_CHANGES), strict=True):
            participation.opinion_submit(standard=standard, opinion="意见见附件。", vote=choice, by=other)

        officer.goto(f"/standards/{standard.pk}/work/")
        assert numbers(officer.get_by_test_id("experts").locator("p").first.inner_text())[:3] == [3, 3, 3]
        run_step(officer, "send_to_approval")
        assert officer.get_by_test_id("standard-status").inner_text() == S.APPROVAL.label

        head = person("demo_head", "en")
        head.goto(f"/standards/{standard.pk}/work/")
        run_step(head, "publish", code=final_code, published_on=published.isoformat(),
                 in_force_on=in_force.isoformat())
        assert head.get_by_test_id("standard-status").inner_text() == S.PUBLISHED.label
        standard.refresh_from_db()
        assert (standard.status, standard.code, standard.published_on, standard.in_force_on) == (
            S.PUBLISHED, final_code, published, in_force)

    # ... and brings it into force on its in-force date. The rest of the journey happens on that day.
    with on(in_force):
        head.goto(f"/standards/{standard.pk}/work/")
        run_step(head, "bring_into_force")
        assert head.get_by_test_id("standard-status").inner_text() == S.IN_FORCE.label
        standard.refresh_from_db()
        assert standard.status == S.IN_FORCE
        page.goto(f"/standards/public/{standard.pk}/")
        assert public_status(page) == zh(S.IN_FORCE.label)
        assert final_code in page.locator("h1").inner_text()
        assert page.get_by_test_id("public-comment").count() == 1  # the answered comment is public
        page.screenshot(path=SHOTS.format("in-force-zh"), full_page=True)

        # 5. The officer looks at the adoption monitor of the new standard: nobody declares it yet.
        monitor = f"/standards/adoption/{standard.pk}/"
        officer.goto(monitor)
        before_text = officer.get_by_test_id("standard-rate").inner_text()
        before = numbers(before_text)[:2]
        assert before[0] == 0 and before[1] > 0, before_text
        before_bars = officer.get_by_test_id("region-chart").get_by_test_id("bar-value").all_text_contents()
        city = Region.objects.get(code=hospital.region_id[:4] + "00")
        city_row = officer.get_by_test_id("region-table").locator("tbody tr").filter(has_text=city.name)
        assert numbers(city_row.locator("td").nth(1).inner_text()) == [0]

        # ... the hospital's administrator declares, in Chinese, that the hospital applies it,
        hospital_page = person("demo_inst_admin", "zh-CN")
        hospital_page.goto("/standards/adoption/mine/")
        assert hospital_page.locator("h1").inner_text() == zh("Standards we apply")
        declare = hospital_page.get_by_test_id("declare-form")
        declare.locator("[name=standard]").fill(final_code)
        declare.locator("[name=since]").fill(in_force.isoformat())
        declare.locator("[name=systems]").fill("电子病历系统、医院信息平台前置机")
        submit(hospital_page, declare.locator("button[type=submit]"))
        declaration = AdoptionDeclaration.objects.get(standard=standard, organisation=hospital)
        assert (declaration.status, declaration.since) == (AdoptionDeclaration.Status.ACTIVE, in_force)
        assert final_code in hospital_page.get_by_test_id("my-adoption-table").inner_text()

        # ... and the monitor's figure, its region row and its chart change.
        officer.goto(monitor)
        after_text = officer.get_by_test_id("standard-rate").inner_text()
        assert numbers(after_text)[:2] == [1, before[1]], (before_text, after_text)
        assert numbers(city_row.locator("td").nth(1).inner_text()) == [1]
        after_bars = officer.get_by_test_id("region-chart").get_by_test_id("bar-value").all_text_contents()
        changed = [(old, new) for old, new in zip(before_bars, after_bars, strict=True) if old != new]
        assert len(changed) == 1 and changed[0][0] == "0.0%" and changed[0][1] != "0.0%", changed
        officer.screenshot(path=SHOTS.format("adoption-en"), full_page=True)

        # 6. The officer prepares an effectiveness assessment (the portal gathers today's figures) and writes
        # the conclusion; the head decides to revise the standard.
        officer.goto(f"/standards/assessments/new/?standard={standard.pk}")
        submit(officer, officer.locator("main form button[type=submit]"))
        assessment = EffectivenessAssessment.objects.get(standard=standard)
        officer.wait_for_url(re.compile(rf"/standards/assessments/{assessment.pk}/$"))
        assert (assessment.adopters, assessment.status) == (1, EffectivenessAssessment.Status.DRAFT)
        assert assessment.comments_summary  # seeded from the public comments of the series
        save = officer.locator("main form:has(input[name=action][value=save])")
        save.locator("[name=conclusion]").fill("Institutions ask for a version field in every message; revise.")
        submit(officer, save.locator("button[type=submit]"))
        assessment.refresh_from_db()
        assert assessment.conclusion.startswith("Institutions ask for a version field")

        head.goto(f"/standards/assessments/{assessment.pk}/")
        decide = head.get_by_test_id("decision-form")
        assert decide.locator("[name=conclusion]").input_value() == assessment.conclusion
        decide.locator("[name=decision]").select_option(EffectivenessAssessment.Decision.REVISE)
        submit(head, decide.locator("button[type=submit]"))
        assessment.refresh_from_db()
        standard.refresh_from_db()
        revision = Standard.objects.get(supersedes=standard)
        assert assessment.status == EffectivenessAssessment.Status.DECIDED
        assert (assessment.decision, assessment.revision_id) == (EffectivenessAssessment.Decision.REVISE, revision.pk)
        assert standard.status == S.UNDER_REVISION
        assert (revision.status, revision.code) == (S.PROJECT, "WS/T 986-20XX")
        shown = head.get_by_test_id("assessment-decision").inner_text()
        assert str(EffectivenessAssessment.Decision.REVISE.label) in shown and revision.code in shown
        assert head.get_by_test_id("assessment-status").inner_text() == EffectivenessAssessment.Status.DECIDED.label
        head.screenshot(path=SHOTS.format("assessment-revise-en"), full_page=True)

        # The public sees the standard under revision, still valid.
        page.goto(f"/standards/public/{standard.pk}/")
        assert public_status(page) == zh(S.UNDER_REVISION.label)
