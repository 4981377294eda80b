"""The route through the applications service's submission (SVC-2): the contract between
`applications.application_submit` and `routing.route_plan` / `route_start` / `route_resume`."""

import pytest
from django.utils import timezone

from apps.catalog.models import DataUseAgreement, Recipient, RouteStep, SharingApplication
from apps.catalog.services import applications, routing
from apps.core import errors

from . import routing_helpers
from .factories import provider_institution
from .routing_helpers import apply_for, name_and_declare, resource_of

pytestmark = pytest.mark.django_db
depts = routing_helpers.depts  # fixture


def _ready(level: int, **version_fields):
    provider, provider_admin = provider_institution("350102")
    applicant, applicant_admin = provider_institution("350203")
    application = apply_for(applicant.organisation, resource_of(provider.organisation, level, **version_fields),
                            by=applicant_admin, legal_basis="statutory_duty",
                            deidentification_description="以密钥散列替换身份证号和姓名。")
    current = DataUseAgreement.objects.get(is_current=True)
    Recipient.objects.filter(application=application).update(agreement=current, accepted_at=timezone.now())
    return application, provider_admin, applicant_admin


def test_submission_starts_the_route_and_resubmission_resumes_it_SVC_2(depts):
    application, provider_admin, applicant_admin = _ready(3)
    applications.application_submit(application, by=applicant_admin)
    assert [(s.round, s.kind, s.status) for s in RouteStep.objects.filter(application=application)] == [
        (1, "provider", "active"), (1, "provider_municipal", "waiting")]
    step = RouteStep.objects.get(application=application, order=1)
    name_and_declare(step, provider_admin)
    routing.step_decide(step, decision="return", comment="请说明用途。", field_comments={"purpose": "过于笼统"},
                        by=provider_admin)
    application.refresh_from_db()
    assert application.status == "returned"
    applications.application_submit(application, by=applicant_admin)
    assert [(s.round, s.kind, s.status) for s in RouteStep.objects.filter(application=application, round=2)] == [
        (2, "provider", "active"), (2, "provider_municipal", "waiting")]
    assert routing.step_reviewers(RouteStep.objects.get(application=application, round=2, order=1)) == [
        provider_admin]


def test_not_shareable_is_refused_at_submission_and_nothing_moves_SVC_2(depts):
    application, _provider_admin, applicant_admin = _ready(2, sharing_type="not_shareable")
    with pytest.raises(errors.ValidationFailed, match="not shareable"):
        applications.application_submit(application, by=applicant_admin)
    application.refresh_from_db()
    assert (application.status, application.round) == (SharingApplication.Status.DRAFT, 0)
    assert not RouteStep.objects.filter(application=application).exists()
