"""Data resources move with a change of responsible entity (INS-6, M.34): to the successor, or retired when
the department takes custody; the grants kind is delegated to the grants area."""

import pytest

from apps.catalog.models import DataResource, ResourceVersion
from apps.catalog.services import resources as services
from apps.catalog.services import transfer as catalog_transfer
from apps.institutions.models import Institution
from apps.institutions.services import transfer as transfer_services
from apps.institutions.transfers import transferable_kind
from tests.catalog.resources_helpers import published_resource, register
from tests.conftest import make_user
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def source():
    return make_institution("350102", name="鼓楼区甲医院")


@pytest.fixture
def source_admin(source):
    return make_user(source.organisation, "institution_admin")


@pytest.fixture
def reviewer(fuzhou):
    return make_user(fuzhou, "reviewer")


def test_both_kinds_are_registered():
    resources = transferable_kind("catalog.dataresource")
    grants = transferable_kind("catalog.datagrant")
    assert resources is not None and resources.list_for is catalog_transfer.resources_held_by
    assert grants is not None


def test_the_list_holds_active_resources_only(source, source_admin, reviewer):
    published = published_resource(source.organisation, source_admin, reviewer)
    draft_only = register(source.organisation, source_admin, data=None)
    retired = published_resource(source.organisation, source_admin, reviewer)
    services.resource_retire(retired, reason="停用", by=source_admin)
    listed = dict(catalog_transfer.resources_held_by(source))
    assert set(listed) == {published.pk, draft_only.pk}
    assert listed[published.pk].startswith(published.code) and "门诊就诊记录" in listed[published.pk]


def _close(source, successor, source_admin, successor_admin, department_user):
    transfer = transfer_services.transfer_open(source=source, successor=successor, reason="merger",
                                               description="两院合并", by=department_user)
    transfer_services.transfer_submit(transfer=transfer, by=department_user)
    transfer_services.transfer_confirm(transfer=transfer, by=source_admin)
    if successor is not None:
        transfer_services.transfer_confirm(transfer=transfer, by=successor_admin)
    return transfer_services.transfer_close(transfer=transfer, by=department_user)


def test_a_merger_gives_the_resources_to_the_successor(source, source_admin, reviewer, fujian):
    resource = published_resource(source.organisation, source_admin, reviewer)
    draft = services.version_new(resource, by=source_admin)
    successor = make_institution("350203", name="厦门乙医院")
    successor_admin = make_user(successor.organisation, "institution_admin")
    department_user = make_user(fujian, "reviewer")  # the province covers both cities
    _close(source, successor, source_admin, successor_admin, department_user)
    resource.refresh_from_db()
    assert resource.provider_id == successor.pk and resource.region_id == "350203"
    assert resource.code.startswith(source.credit_code)  # the code stays: it identifies the resource
    assert resource.status == DataResource.Status.ACTIVE and resource.published_version.status == "published"
    assert resource.history.first().history_user == department_user
    assert catalog_transfer.resources_held_by(source) == []
    # The successor now maintains it: the open draft, and its next resource takes its own numbering.
    services.version_update(draft, data={"title": "合并后的门诊记录"}, by=successor_admin)
    assert register(successor.organisation, successor_admin).code == f"{successor.credit_code}-0001"


def test_without_successor_the_resources_are_retired(source, source_admin, reviewer, gulou):
    resource = published_resource(source.organisation, source_admin, reviewer)
    in_review = services.version_new(resource, by=source_admin)
    services.version_submit(in_review, by=source_admin)
    department_user = make_user(gulou, "reviewer")
    transfer = transfer_services.transfer_open(source=source, successor=None, reason="closure",
                                               description="机构注销", by=department_user)
    transfer_services.transfer_submit(transfer=transfer, by=department_user)
    transfer_services.transfer_confirm(transfer=transfer, by=source_admin)
    transfer_services.transfer_close(transfer=transfer, by=department_user)
    resource.refresh_from_db()
    assert resource.status == DataResource.Status.RETIRED and resource.provider_id == source.pk
    assert "鼓楼区甲医院" in resource.retired_reason
    assert ResourceVersion.objects.get(pk=in_review.pk).status == ResourceVersion.Status.WITHDRAWN
    assert Institution.objects.get(pk=source.pk).status == Institution.Status.CLOSED


def test_move_only_touches_the_sources_listed_resources(source, source_admin, reviewer):
    mine = published_resource(source.organisation, source_admin, reviewer)
    other = make_institution("350102", name="鼓楼区丙医院")
    theirs = published_resource(other.organisation, make_user(other.organisation, "institution_admin"), reviewer)
    successor = make_institution("350102", name="鼓楼区乙医院")
    catalog_transfer.resources_move([str(mine.pk), str(theirs.pk)], source, successor, reviewer)
    assert DataResource.objects.get(pk=mine.pk).provider_id == successor.pk
    assert DataResource.objects.get(pk=theirs.pk).provider_id == other.pk
