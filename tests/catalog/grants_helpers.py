"""Grants for tests: an approved application (direct DB writes, tests/catalog/factories) turned into a grant
through the real `grant_create`, with the parties every grant test needs."""

import datetime
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import User
from apps.catalog.models import DataGrant, RouteRule, RouteStep, SharingApplication
from apps.catalog.services.grants import grant_create
from tests.conftest import make_user
from tests.factories import department

from .factories import make_application, make_resource, provider_institution

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CHECKSUM = "a" * 64


def pdf(name: str = "evidence.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def not_a_pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00 this is an executable", content_type="application/pdf")


@dataclass
class GrantCase:
    grant: DataGrant
    application: SharingApplication
    provider: object  # Institution
    provider_admin: User
    applicant: object  # Institution
    applicant_admin: User  # lead recipient
    co_recipient: User  # a recipient of another institution
    reviewer: User  # the department user who approved (Fuzhou, the provider's municipal department)

    @property
    def item(self):
        return self.application.items.get()


def rule() -> RouteRule:
    found = RouteRule.objects.order_by("priority").first()
    if found is None:
        found = RouteRule.objects.create(priority=99, name="test", steps=["provider"])
    return found


def approved_application(*, provider_region="350102", applicant_region="350203", legal_basis="scientific_research",
                         start=None, end=None, conditions=(), fields=("患者姓名", "性别", "诊断编码"), parent=None,
                         kind="new", **extra):
    """(application, provider, provider_admin, applicant, applicant_admin, co_recipient, reviewer)."""
    provider, provider_admin = provider_institution(provider_region)
    resource = make_resource(provider.organisation, by=provider_admin)
    if parent is not None:
        applicant = parent.applicant.institution
        applicant_admin = parent.recipients.get(role="lead").user
    else:
        applicant, applicant_admin = provider_institution(applicant_region)
    other, _other_admin = provider_institution("350102")
    co_recipient = make_user(other.organisation, "submitter")
    today = timezone.localdate()
    application = make_application(
        applicant.organisation, [(resource, list(fields))], by=applicant_admin, recipients=[co_recipient],
        status=SharingApplication.Status.APPROVED, legal_basis=legal_basis, round=1, parent=parent, kind=kind,
        period_start=start or today, period_end=end or today + datetime.timedelta(days=365), **extra)
    fuzhou = department("350100", "municipal")
    reviewer = make_user(fuzhou, "reviewer")
    steps = [(provider.organisation, "provider", conditions[0] if conditions else "")]
    steps += [(fuzhou, "provider_municipal", text) for text in conditions[1:2]]
    for order, (organisation, step_kind, text) in enumerate(steps, start=1):
        RouteStep.objects.create(application=application, round=1, order=order, kind=step_kind, rule=rule(),
                                 organisation=organisation, conditions=text,
                                 status="approved_with_conditions" if text else "approved")
    return application, provider, provider_admin, applicant, applicant_admin, co_recipient, reviewer


def grant_case(**options) -> GrantCase:
    application, provider, provider_admin, applicant, applicant_admin, co_recipient, reviewer = \
        approved_application(**options)
    grant = grant_create(application, by=reviewer)
    return GrantCase(grant=grant, application=application, provider=provider, provider_admin=provider_admin,
                     applicant=applicant, applicant_admin=applicant_admin, co_recipient=co_recipient,
                     reviewer=reviewer)


def set_period(grant: DataGrant, start: datetime.date, end: datetime.date) -> DataGrant:
    DataGrant.objects.filter(pk=grant.pk).update(starts_on=start, ends_on=end)
    grant.refresh_from_db()
    return grant
