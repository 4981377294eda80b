"""Catalog records for tests, written directly (tests of a workflow move records through the services)."""

import datetime
import itertools

from django.utils import timezone

from apps.accounts.models import Organisation
from apps.catalog.models import (
    ApplicationItem,
    DataField,
    DataResource,
    LifecycleStage,
    Recipient,
    ResourceVersion,
    SharingApplication,
    StageResponsibility,
)
from apps.catalog.services.resources import search_text_for
from tests.conftest import make_user
from tests.factories import region
from tests.institutions.factories import make_institution

_serial = itertools.count(1)

DEFAULT_FIELDS = [("患者姓名", 4, True), ("性别", 2, True), ("诊断编码", 3, False), ("就诊日期", 2, False)]


def provider_institution(region_code: str = "350102", **overrides):
    """An admitted institution and its administrator, ready to register resources."""
    institution = make_institution(region_code, **overrides)
    admin = make_user(institution.organisation, "institution_admin")
    return institution, admin


def make_resource(provider: Organisation, *, by=None, fields=DEFAULT_FIELDS, status: str = ResourceVersion.Status.PUBLISHED,
                  responsibilities: bool = True, **version_fields) -> DataResource:
    """A resource of `provider` with one version in `status` (published by default) and `fields`
    as (name, level, personal) tuples; the version's level is the highest field level."""
    number = next(_serial)
    by = by or make_user(provider, "institution_admin")
    resource = DataResource.objects.create(code=f"R{number:06d}", provider=provider, region=provider.region,
                                           created_by=by)
    values = {
        "title": f"测试数据资源{number}", "title_en": f"Test resource {number}",
        "description": "门诊就诊记录，按月更新。", "category": "medical_application", "sharing_type": "conditional",
        "open_form": "controlled", "update_frequency": "monthly", "data_format": "CSV", "volume": "120万条",
        "coverage_start": datetime.date(2020, 1, 1), "storage_province": region("350000"), "created_by": by,
    }
    values.update(version_fields)
    now = timezone.now()
    if status == ResourceVersion.Status.PUBLISHED:
        values.setdefault("published_at", now)
        values.setdefault("submitted_at", now)
    version = ResourceVersion.objects.create(resource=resource, number=1, status=status, **values)
    for position, (name, level, personal) in enumerate(fields):
        DataField.objects.create(version=version, position=position, name=name, level=level, personal=personal)
    version.level = max((level for _n, level, _p in fields), default=None)
    version.has_personal_information = any(personal for _n, _l, personal in fields)
    version.search_text = search_text_for(version)
    version.save()
    if responsibilities:
        for stage in LifecycleStage.values:
            StageResponsibility.objects.create(version=version, stage=stage, person_name="张三", position="信息中心")
    if status == ResourceVersion.Status.PUBLISHED:
        resource.published_version = version
        resource.save()
    return resource


def make_application(applicant: Organisation, resources_fields: list[tuple[DataResource, list[str]]] | None = None, *,
                     by=None, recipients=(), status: str = SharingApplication.Status.DRAFT,
                     **fields) -> SharingApplication:
    """An application of `applicant` for the named fields of published resources."""
    number = next(_serial)
    by = by or make_user(applicant, "institution_admin")
    today = timezone.localdate()
    values = {
        "number": f"SQ-TEST-{number:06d}", "title": f"测试研究项目{number}", "purpose": "评估门诊服务质量",
        "legal_basis": "scientific_research", "project_description": "回顾性研究，使用去标识化数据。",
        "period_start": today, "period_end": today + datetime.timedelta(days=365), "delivery_mode": "file_transfer",
        "security_measures": "专用服务器，访问控制与审计。", "deidentification_method": "pseudonymisation",
        "applicant_region": applicant.region, "created_by": by, "status": status,
    }
    values.update(fields)
    application = SharingApplication.objects.create(applicant=applicant, **values)
    for resource, names in resources_fields or []:
        version = resource.published_version
        item = ApplicationItem.objects.create(application=application, resource=resource, version=version,
                                              provider=resource.provider)
        item.fields.set(version.fields.filter(name__in=names))
    Recipient.objects.create(application=application, user=by, role=Recipient.Role.LEAD)
    for user in recipients:
        Recipient.objects.create(application=application, user=user)
    return application
