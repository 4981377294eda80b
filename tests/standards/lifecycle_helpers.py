"""People and steps shared by the lifecycle tests (STD-1, STD-3): a standards officer and a head of the
national commission, drafters of two institutions, three experts, and helpers that drive a standard
through the real services up to a given step."""

import contextlib
import datetime
from unittest import mock

import pytest
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.standards.models import PublicComment, ReviewOpinion, Standard, WorkingGroupMember
from apps.standards.services import lifecycle, participation
from tests.conftest import make_user
from tests.factories import OrganisationFactory
from tests.institutions.uploads import pdf
from tests.standards.factories import make_standard

S = Standard.Status
TODAY = datetime.date(2025, 3, 3)


@contextlib.contextmanager
def on(day: datetime.date):
    """Run the block as if today were `day` (services and models read timezone.localdate())."""
    with mock.patch.object(timezone, "localdate", return_value=day):
        yield day


@pytest.fixture
def today():
    with on(TODAY) as day:
        yield day


@pytest.fixture
def people(national):
    hospital = OrganisationFactory(kind=Organisation.Kind.INSTITUTION, name="协和医院")
    centre = OrganisationFactory(kind=Organisation.Kind.INSTITUTION, name="信息中心")
    university = OrganisationFactory(kind=Organisation.Kind.INSTITUTION, name="医科大学")
    return {
        "officer": make_user(national, "standards_officer"),
        "head": make_user(national, "department_head"),
        "reviewer_role": make_user(national, "reviewer"),
        "lead": make_user(hospital, "data_steward"),
        "drafter": make_user(centre, "submitter"),
        "stranger": make_user(hospital, "data_steward"),
        "experts": [make_user(university, "submitter") for _ in range(3)],
    }


def project(national, **fields) -> Standard:
    return make_standard(code=fields.pop("code", None), status=S.PROJECT, responsible_department=national,
                         **fields)


def start(standard, people):
    return lifecycle.standard_start_drafting(
        standard=standard, by=people["officer"],
        members=[(people["lead"], WorkingGroupMember.Role.LEAD), (people["drafter"], WorkingGroupMember.Role.MEMBER)])


def upload_text(standard, people):
    return participation.draft_update(standard=standard, title=standard.title, title_en=standard.title_en,
                                      scope_note="适用范围", text_upload=pdf("draft.pdf"), by=people["lead"])


def open_comment(standard, people, days: int = 30):
    today = timezone.localdate()
    return lifecycle.standard_open_comment(standard=standard, opens_on=today,
                                           closes_on=today + datetime.timedelta(days=days - 1), by=people["officer"])


def comment(standard, **overrides):
    values = {"author_name": "王医生", "author_organisation": "某医院", "author_email": "wang@example.cn",
              "clause": "5.2", "text": "建议补充数据元定义。", "client_key": "198.51.100.7"}
    values.update(overrides)
    return participation.comment_submit(standard=standard, **values)


def appoint_experts(standard, people):
    for expert in people["experts"]:
        participation.expert_appoint(standard=standard, user=expert, by=people["officer"])


def vote_all(standard, people, votes=("approve", "approve", "changes")):
    for expert, vote in zip(people["experts"], votes, strict=True):
        participation.opinion_submit(standard=standard, opinion="意见", vote=vote, by=expert)


def drive_to(status: str, national, people, standard=None) -> Standard:
    """A standard moved through the services to `status`, starting on TODAY (the caller's clock is restored)."""
    standard = standard or project(national)
    if status == S.PROJECT:
        return standard
    with on(TODAY):
        standard = start(standard, people)
        if status == S.DRAFTING:
            return standard
        upload_text(standard, people)
        appoint_experts(standard, people)
        standard = open_comment(standard, people)
        if status == S.PUBLIC_COMMENT:
            return standard
        first = comment(standard)
        participation.comment_answer(comment=first, answer=PublicComment.Answer.ACCEPTED, by=people["lead"])
    with on(TODAY + datetime.timedelta(days=30)):
        standard = lifecycle.standard_close_comment(standard=standard, by=people["officer"])
        if status == S.EXPERT_REVIEW:
            return standard
        vote_all(standard, people)
        standard = lifecycle.standard_send_to_approval(standard=standard, by=people["officer"])
        if status == S.APPROVAL:
            return standard
        published = TODAY + datetime.timedelta(days=30)
        standard = lifecycle.standard_publish(standard=standard, code=f"WS/T {90000 + standard.pk}-{published.year}",
                                              published_on=published, in_force_on=published + datetime.timedelta(
                                                  days=90), by=people["head"])
        if status == S.PUBLISHED:
            return standard
    with on(standard.in_force_on):
        standard = lifecycle.standard_bring_into_force(standard=standard, by=people["head"])
    assert status == S.IN_FORCE, status
    return standard


def opinions_of(standard):
    return dict(ReviewOpinion.objects.filter(standard=standard).values_list("reviewer_id", "vote"))
