"""Adoption declarations (STD-5): each path of adoption_declare / adoption_withdraw, including every refusal."""

import datetime

import pytest

from apps.core import errors
from apps.institutions.models import Institution
from apps.standards.models import AdoptionDeclaration, Standard
from apps.standards.services.adoption import adoption_declare, adoption_withdraw
from tests.conftest import make_user
from tests.institutions.factories import make_institution
from tests.institutions.uploads import fake_pdf, pdf
from tests.standards import adoption_helpers
from tests.standards.adoption_helpers import LONG_AGO, declare, today
from tests.standards.factories import make_standard

pytestmark = pytest.mark.django_db
# Shared fixtures, bound here so pytest finds them.
_no_broker = adoption_helpers._no_broker
hospital = adoption_helpers.hospital
hospital_admin = adoption_helpers.hospital_admin
in_force = adoption_helpers.in_force


def _declare(hospital, standard, by, **overrides):
    values = {"organisation": hospital.organisation, "standard": standard, "since": LONG_AGO,
              "systems": "电子病历系统、LIS", "evidence_upload": None, "by": by}
    values.update(overrides)
    return adoption_declare(**values)


def test_std5_institution_declares_a_standard_with_evidence_and_region_snapshot(hospital, hospital_admin, in_force):
    declaration = _declare(hospital, in_force, hospital_admin, evidence_upload=pdf("测试报告.pdf"))
    declaration.refresh_from_db()
    assert declaration.status == AdoptionDeclaration.Status.ACTIVE
    assert declaration.region_id == "350102" and declaration.organisation_id == hospital.pk
    assert declaration.evidence_name == "测试报告.pdf" and declaration.evidence.name.endswith(".pdf")
    assert "测试报告" not in declaration.evidence.name  # stored under its hash
    assert declaration.history.first().history_user == hospital_admin
    assert declaration.replaced == []


def test_a_data_steward_may_declare_too(hospital, in_force):
    steward = make_user(hospital.organisation, "data_steward")
    assert _declare(hospital, in_force, steward).declared_by == steward


@pytest.mark.parametrize(("status", "fragment"), [
    (Standard.Status.ABOLISHED, "was abolished on 2025-01-01 and can no longer be declared"),
    (Standard.Status.DRAFTING, "is not published (status: Drafting)"),
    (Standard.Status.PUBLIC_COMMENT, "is not published (status: Open for public comment)"),
    (Standard.Status.WITHDRAWN, "is not published (status: Project withdrawn)"),
])
def test_std5_refuses_a_standard_that_is_not_in_use_naming_its_status(hospital, hospital_admin, status, fragment):
    standard = make_standard("WS 9100-2020", status, abolished_on=datetime.date(2025, 1, 1))
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, standard, hospital_admin)
    assert fragment in str(caught.value.message)
    assert f"WS 9100-2020 {fragment}" in caught.value.field_errors["standard"][0]
    assert not AdoptionDeclaration.objects.exists()


def test_std5_refuses_a_superseded_standard_and_names_the_version_to_declare(hospital, hospital_admin):
    old = make_standard("WS 9445.1-2014", Standard.Status.SUPERSEDED, published_on=datetime.date(2014, 5, 1))
    make_standard("WS 9445.1-2024", Standard.Status.IN_FORCE, supersedes=old, published_on=datetime.date(2024, 3, 1))
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, old, hospital_admin)
    assert str(caught.value.message) == ("WS 9445.1-2014 is superseded; declare the current version WS 9445.1-2024 "
                                         "instead.")
    assert not AdoptionDeclaration.objects.exists()


def test_a_standard_under_revision_is_still_declarable(hospital, hospital_admin):
    standard = make_standard("WS 9500-2019", Standard.Status.UNDER_REVISION)
    assert _declare(hospital, standard, hospital_admin).pk


def test_std5_refuses_a_second_active_declaration_of_the_same_standard(hospital, hospital_admin, in_force):
    _declare(hospital, in_force, hospital_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, in_force, hospital_admin, since=today())
    assert "already declares WS 9363.1-2023 (since 2024-06-01)" in caught.value.field_errors["standard"][0]
    assert AdoptionDeclaration.objects.count() == 1


def test_declaring_again_after_withdrawal_is_allowed(hospital, hospital_admin, in_force):
    first = _declare(hospital, in_force, hospital_admin)
    adoption_withdraw(declaration=first, reason="系统更换", by=hospital_admin)
    again = _declare(hospital, in_force, hospital_admin)
    assert again.pk != first.pk and AdoptionDeclaration.objects.filter(status="active").count() == 1


def test_std5_a_newer_version_replaces_the_older_declaration_in_the_same_transaction(hospital, hospital_admin):
    old = make_standard("WS 9363.1-2011", Standard.Status.UNDER_REVISION, published_on=datetime.date(2011, 8, 1))
    new = make_standard("WS 9363.1-2023", Standard.Status.PUBLISHED, supersedes=old,
                        published_on=datetime.date(2023, 8, 1))
    older = _declare(hospital, old, hospital_admin)
    newer = _declare(hospital, new, hospital_admin, since=datetime.date(2024, 1, 1))
    older.refresh_from_db()
    assert older.status == AdoptionDeclaration.Status.WITHDRAWN and older.withdrawn_at is not None
    assert [d.pk for d in newer.replaced] == [older.pk]
    assert older.history.first().history_change_reason == "replaced by WS 9363.1-2023"


def test_an_older_version_is_refused_while_the_newer_one_is_declared(hospital, hospital_admin):
    old = make_standard("WS 9363.1-2011", Standard.Status.UNDER_REVISION, published_on=datetime.date(2011, 8, 1))
    new = make_standard("WS 9363.1-2023", Standard.Status.PUBLISHED, published_on=datetime.date(2023, 8, 1))
    _declare(hospital, new, hospital_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, old, hospital_admin)
    assert "newer version WS 9363.1-2023" in str(caught.value.message)


def test_std5_refuses_a_date_in_the_future(hospital, hospital_admin, in_force):
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, in_force, hospital_admin, since=today() + datetime.timedelta(days=1))
    assert caught.value.field_errors["since"] == ["The date cannot be in the future."]
    assert not AdoptionDeclaration.objects.exists()


def test_refuses_a_date_before_publication(hospital, hospital_admin, in_force):
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, in_force, hospital_admin, since=datetime.date(2023, 7, 31))
    assert "published on 2023-08-01" in caught.value.field_errors["since"][0]


@pytest.mark.parametrize("status", [Institution.Status.APPLICANT, Institution.Status.SUSPENDED,
                                    Institution.Status.REVOKED])
def test_std5_refuses_an_institution_that_is_not_admitted(gulou, in_force, status):
    institution = make_institution("350102", status)
    admin = make_user(institution.organisation, "institution_admin")
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(institution, in_force, admin)
    assert "Only admitted institutions" in str(caught.value.message)
    assert not AdoptionDeclaration.objects.exists()


def test_refuses_evidence_that_is_not_a_pdf_or_image(hospital, hospital_admin, in_force):
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, in_force, hospital_admin, evidence_upload=fake_pdf())
    assert "is not a PDF, PNG or JPEG file" in caught.value.field_errors["evidence"][0]
    assert not AdoptionDeclaration.objects.exists()


def test_refuses_empty_systems(hospital, hospital_admin, in_force):
    with pytest.raises(errors.ValidationFailed) as caught:
        _declare(hospital, in_force, hospital_admin, systems="  ")
    assert "systems" in caught.value.field_errors


@pytest.mark.parametrize("who", ["other_institution", "department", "top_leader"])
def test_only_the_institutions_own_declarers_may_declare(hospital, in_force, gulou, who):
    other = make_institution("350102")
    user = {"other_institution": lambda: make_user(other.organisation, "institution_admin"),
            "department": lambda: make_user(gulou, "standards_officer"),
            "top_leader": lambda: make_user(hospital.organisation, "top_leader")}[who]()
    with pytest.raises(errors.PermissionDenied):
        _declare(hospital, in_force, user)
    assert not AdoptionDeclaration.objects.exists()


def test_std5_withdraw_keeps_the_record_and_needs_a_reason(hospital, hospital_admin, in_force):
    declaration = declare(hospital, in_force, hospital_admin)
    with pytest.raises(errors.ValidationFailed):
        adoption_withdraw(declaration=declaration, reason=" ", by=hospital_admin)
    adoption_withdraw(declaration=declaration, reason="系统下线", by=hospital_admin)
    declaration.refresh_from_db()
    assert declaration.status == "withdrawn" and declaration.withdrawn_at is not None
    with pytest.raises(errors.TransitionNotAllowed):
        adoption_withdraw(declaration=declaration, reason="再次", by=hospital_admin)


@pytest.mark.parametrize(("who", "error"), [("department", errors.PermissionDenied),
                                            ("outside_department", errors.NotFound),
                                            ("other_institution", errors.NotFound)])
def test_withdraw_by_anyone_else_is_refused(hospital, hospital_admin, in_force, gulou, xiamen, who, error):
    declaration = declare(hospital, in_force, hospital_admin)
    other = make_institution("350102")
    user = {"department": lambda: make_user(gulou, "standards_officer"),
            "outside_department": lambda: make_user(xiamen, "standards_officer"),
            "other_institution": lambda: make_user(other.organisation, "institution_admin")}[who]()
    with pytest.raises(error):
        adoption_withdraw(declaration=declaration, reason="x", by=user)
    declaration.refresh_from_db()
    assert declaration.status == "active"
