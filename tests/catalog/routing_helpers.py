"""Parties and applications for the routing tests (SVC-2, SEC-4, SEC-9): the departments of two provinces and
the nation, providers with resources of a chosen level, and applications submitted onto their route through
the routing service (the applications' own checks are the applications area's tests)."""

from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from apps.catalog.models import SharingApplication
from apps.catalog.services import routing
from tests.conftest import make_user
from tests.factories import department

from .factories import make_application, make_resource, provider_institution


@dataclass
class Departments:
    national: object
    fujian: object
    fuzhou: object
    xiamen: object
    guangdong: object
    guangzhou: object
    staff: dict = field(default_factory=dict)

    def reviewer(self, name: str):
        """A reviewer (may name reviewers, record assessments) of the department `name`, made once."""
        if name not in self.staff:
            self.staff[name] = make_user(getattr(self, name), "reviewer")
        return self.staff[name]


def make_departments() -> Departments:
    return Departments(
        national=department(None, "national", "国家卫生健康委员会"),
        fujian=department("350000", "provincial", "福建省卫生健康委员会"),
        fuzhou=department("350100", "municipal", "福州市卫生健康委员会"),
        xiamen=department("350200", "municipal", "厦门市卫生健康委员会"),
        guangdong=department("440000", "provincial", "广东省卫生健康委员会"),
        guangzhou=department("440100", "municipal", "广州市卫生健康委员会"),
    )


@pytest.fixture
def depts(db):
    return make_departments()


def resource_of(provider_org, level: int, **version_fields):
    """A published resource whose highest field level is `level` (two fields: 字段甲 at `level`, 字段乙 at 1)."""
    fields = [("字段甲", level, level >= 3), ("字段乙", 1, False)]
    return make_resource(provider_org, fields=fields, **version_fields)


def apply_for(applicant_org, *resources, by=None, **fields) -> SharingApplication:
    return make_application(applicant_org, [(resource, ["字段甲", "字段乙"]) for resource in resources], by=by,
                            **fields)


def submit(application: SharingApplication, by=None):
    """Move the application to review (round + 1) as the applications service does, then start its route."""
    by = by or application.created_by
    application.status = SharingApplication.Status.IN_REVIEW
    application.round += 1
    application.submitted_at = timezone.now()
    application.save()
    return routing.route_start(application, by=by)


def resubmit(application: SharingApplication, by=None):
    by = by or application.created_by
    application.refresh_from_db()
    application.status = SharingApplication.Status.IN_REVIEW
    application.round += 1
    application.save()
    return routing.route_resume(application, by=by)


def plan_shape(plan) -> list[tuple[str, object]]:
    return [(step.kind, step.organisation) for step in plan]


@dataclass
class Case:
    """A submitted application of an applicant in Xiamen (350203) for a resource of a provider in Gulou,
    Fuzhou (350102), with the people around its route."""

    application: SharingApplication
    provider: object
    provider_admin: object
    applicant: object
    applicant_admin: object
    steps: list
    depts: Departments


def case(depts: Departments, level: int = 4, *, applicant_region: str = "350203", **application_fields) -> Case:
    provider, provider_admin = provider_institution("350102")
    applicant, applicant_admin = provider_institution(applicant_region)
    resource = resource_of(provider.organisation, level)
    application = apply_for(applicant.organisation, resource, by=applicant_admin, **application_fields)
    steps = submit(application, by=applicant_admin)
    return Case(application, provider, provider_admin, applicant, applicant_admin, steps, depts)


def name_and_declare(step, reviewer, *, by=None):
    """Name `reviewer` on `step` (by `by`, default the reviewer) and declare for it."""
    routing.step_reviewers_assign(step, users=[reviewer], by=by or reviewer)
    routing.conflict_declare(step, user=reviewer, statement="本人与申请单位及项目无利益冲突。")


def approve(step, reviewer, *, by=None, decision="approve", **kwargs):
    name_and_declare(step, reviewer, by=by)
    return routing.step_decide(step, decision=decision, by=reviewer, **kwargs)
