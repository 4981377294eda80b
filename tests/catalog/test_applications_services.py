"""Sharing applications from draft to submission, withdrawal and correction (SVC-2, SEC-4, SEC-8, SEC-9).

Every bad input has its own test with its message, and each asserts that nothing was saved."""

import datetime
import re

import pytest
from django.utils import timezone

from apps.catalog.models import ApplicationItem, Recipient, RouteStep, SharingApplication
from apps.catalog.services import applications as services
from apps.catalog.services import routing
from apps.catalog.services.application_documents import document_add
from apps.core import errors, policy
from apps.institutions.models import Institution
from tests.catalog import application_helpers as helpers
from tests.catalog.application_helpers import agreement, answers, complete, draft, field_ids, suspend
from tests.catalog.factories import make_resource
from tests.conftest import make_user
from tests.factories import department
from tests.institutions.factories import make_institution

pytestmark = pytest.mark.django_db
_no_broker, _media, _defaults = helpers._no_broker, helpers._media, helpers._defaults
provider, provider_admin, resource = helpers.provider, helpers.provider_admin, helpers.resource
hospital, applicant_admin, current = helpers.hospital, helpers.applicant_admin, helpers.current


def problems_of(application) -> dict:
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_validate(application)
    return caught.value.field_errors


# --- creating ---------------------------------------------------------------------------------------------


def test_svc2_create_numbers_the_draft_and_names_the_creator_lead(applicant_admin):
    first = draft(applicant_admin)
    second = draft(applicant_admin)
    year = timezone.localdate().year
    assert re.fullmatch(rf"SQ{year}-\d{{6}}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert first.status == "draft" and first.round == 0 and first.applicant_region_id == "350203"
    lead = first.recipients.get()
    assert lead.user == applicant_admin and lead.role == Recipient.Role.LEAD and lead.agreement is None
    row = first.history.get()
    assert row.history_user == applicant_admin and row.history_change_reason == "created"


def test_svc2_suspended_applicant_cannot_create(hospital, applicant_admin):
    suspend(hospital)
    with pytest.raises(errors.ValidationFailed) as caught:
        draft(applicant_admin)
    assert str(caught.value.message) == ("Your institution is suspended: it cannot apply for data until the "
                                         "suspension is lifted.")
    assert not SharingApplication.objects.exists() and not Recipient.objects.exists()


def test_an_institution_not_admitted_cannot_create():
    candidate = make_institution("350203", Institution.Status.APPLICANT)
    user = make_user(candidate.organisation, "institution_admin")
    with pytest.raises(errors.ValidationFailed, match="Only admitted institutions apply for data"):
        draft(user)
    assert not SharingApplication.objects.exists()


def test_only_users_with_the_permission_apply_for_their_own_institution(hospital, applicant_admin):
    leader = make_user(hospital.organisation, "top_leader")  # sees applications, does not apply
    with pytest.raises(errors.PermissionDenied):
        services.application_create(applicant=hospital.organisation, data=answers(), by=leader)
    other = make_institution("350203")
    with pytest.raises(errors.PermissionDenied, match="own institution"):
        services.application_create(applicant=other.organisation, data=answers(), by=applicant_admin)
    assert not SharingApplication.objects.exists()


def test_svc2_end_date_before_start_is_refused_and_nothing_saved(applicant_admin):
    today = timezone.localdate()
    with pytest.raises(errors.ValidationFailed) as caught:
        draft(applicant_admin, period_start=today + datetime.timedelta(days=30),
              period_end=today + datetime.timedelta(days=10))
    assert caught.value.field_errors == {"period_end": ["The end date is before the start date."]}
    assert not SharingApplication.objects.exists()


def test_a_draft_needs_title_legal_basis_period_and_delivery_mode(applicant_admin):
    data = answers(title="  ", legal_basis="gossip")
    del data["delivery_mode"]
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_create(applicant=applicant_admin.organisation, data=data, by=applicant_admin)
    fields = caught.value.field_errors
    assert fields["title"] == ["This answer is required."]
    assert fields["legal_basis"] == ["“gossip” is not one of the choices."]
    assert fields["delivery_mode"] == ["This answer is required."]
    assert not SharingApplication.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_when_drafts_are_created_at_once():
    """Race safety of the numbering: eight drafts created in parallel threads get eight numbers."""
    import threading

    from django.db import connection

    helpers.defaults_ensure()
    institution = make_institution("350203")
    user = make_user(institution.organisation, "institution_admin")
    numbers, failures = [], []
    barrier = threading.Barrier(8)

    def create():
        try:
            barrier.wait()
            numbers.append(services.application_create(applicant=institution.organisation, data=answers(),
                                                       by=user).number)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(set(numbers)) == 8


def test_an_api_machine_account_names_the_lead_person_afterwards(hospital, applicant_admin, current):
    machine = make_user(hospital.organisation, "institution_admin", is_machine=True)
    application = services.application_create(applicant=hospital.organisation, data=answers(), by=machine)
    assert not application.recipients.exists()
    assert "Name the lead applicant, the person responsible for the use of the data." in \
        services.application_problems(application)["recipients"]
    partner = make_user(make_institution("350102").organisation, "submitter")
    with pytest.raises(errors.ValidationFailed, match="The lead applicant is a person of the applying institution"):
        services.recipient_add(application, user=partner, role="lead", by=machine)
    lead = services.recipient_add(application, user=applicant_admin, role="lead", by=machine)
    assert lead.role == "lead" and application.recipients.count() == 1


# --- answers ------------------------------------------------------------------------------------------------


def test_update_changes_only_the_given_answers_with_history(applicant_admin):
    application = draft(applicant_admin)
    updated = services.application_update(application, data={"purpose": "新的用途", "cross_border": False},
                                          by=applicant_admin)
    assert updated.purpose == "新的用途" and updated.title == "门诊服务质量评估"
    row = updated.history.first()
    assert row.history_user == applicant_admin and row.history_change_reason == "answers changed: purpose"


def test_update_refuses_end_before_start_and_keeps_the_answers(applicant_admin):
    application = draft(applicant_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_update(application, data={"period_end": application.period_start
                                                        - datetime.timedelta(days=1), "purpose": "x"},
                                     by=applicant_admin)
    assert caught.value.field_errors["period_end"] == ["The end date is before the start date."]
    application.refresh_from_db()
    assert application.purpose == "评估门诊服务质量，改进就诊流程。" and application.history.count() == 1


def test_sec4_another_applicant_gets_404_a_provider_403(applicant_admin, resource, provider_admin):
    application = draft(applicant_admin, resource)
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    with pytest.raises(errors.NotFound):
        services.application_update(application, data={"purpose": "x"}, by=stranger)
    # The provider sees the application for its resource but cannot change it.
    assert policy.can_see(provider_admin, application)
    with pytest.raises(errors.PermissionDenied):
        services.application_update(application, data={"purpose": "x"}, by=provider_admin)
    fuzhou = department("350100", "municipal")
    with pytest.raises(errors.PermissionDenied):
        services.application_update(application, data={"purpose": "x"}, by=make_user(fuzhou, "reviewer"))
    application.refresh_from_db()
    assert application.purpose == "评估门诊服务质量，改进就诊流程。"


# --- resources and fields -----------------------------------------------------------------------------------


def test_items_set_requests_fields_of_published_resources(applicant_admin, resource):
    application = draft(applicant_admin, resource, names=("性别",))
    item = application.items.get()
    assert item.version == resource.published_version and item.provider == resource.provider
    assert [field.name for field in item.fields.all()] == ["性别"] and item.justification == "统计分析"
    # Replacing keeps the row of a resource still requested and changes its fields.
    services.application_items_set(application, items=[
        {"resource": resource.pk, "fields": field_ids(resource, "性别", "科室")}], by=applicant_admin)
    assert application.items.get().pk == item.pk
    assert sorted(f.name for f in application.items.get().fields.all()) == ["性别", "科室"]
    changed = item.history.first()
    assert changed.history_change_reason == f"request changed: {resource.code}"
    assert changed.history_user == applicant_admin
    services.application_items_set(application, items=[], by=applicant_admin)
    assert not application.items.exists()
    assert ApplicationItem.history.filter(history_type="-").get().history_user == applicant_admin


def test_svc2_fields_not_in_the_resource_are_named_and_nothing_saved(applicant_admin, resource, provider):
    application = draft(applicant_admin, resource, names=("性别",))
    other = make_resource(provider.organisation, fields=[("血型", 3, False), ("身高", 1, False)])
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_items_set(application, items=[
            {"resource": resource, "fields": [*field_ids(resource, "科室"), *field_ids(other, "血型", "身高")]}],
            by=applicant_admin)
    assert caught.value.field_errors == {"items": [f"Fields not in the resource {resource.code}: 血型、身高."]}
    assert [f.name for f in application.items.get().fields.all()] == ["性别"]


def _own(application, resource, provider, hospital):
    own = make_resource(hospital.organisation)
    return [{"resource": own, "fields": field_ids(own)}], (
        f"{own.code} is your institution's own resource: using your own data needs no application.")


def _retired(application, resource, provider, hospital):
    resource.status = "retired"
    resource.save()
    return [{"resource": resource, "fields": field_ids(resource)}], (
        f"{resource.code} is retired and can no longer be requested.")


def _unpublished(application, resource, provider, hospital):
    pending = make_resource(provider.organisation, status="submitted")
    return [{"resource": pending, "fields": []}], (
        f"{pending.code} has no published catalog entry and cannot be requested.")


def _twice(application, resource, provider, hospital):
    return [{"resource": resource, "fields": field_ids(resource, "性别")},
            {"resource": resource, "fields": field_ids(resource, "科室")}], (
        f"{resource.code} is requested more than once; request each resource once.")


def _no_fields(application, resource, provider, hospital):
    return [{"resource": resource, "fields": []}], (
        f"Choose at least one field of {resource.published_version.title} ({resource.code}).")


@pytest.mark.parametrize("case", [_own, _retired, _unpublished, _twice, _no_fields],
                         ids=["own resource", "retired", "unpublished", "twice", "no fields"])
def test_svc2_each_bad_request_of_resources_is_refused(case, applicant_admin, resource, provider, hospital):
    application = draft(applicant_admin)
    items, message = case(application, resource, provider, hospital)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_items_set(application, items=items, by=applicant_admin)
    assert caught.value.field_errors == {"items": [message]} and str(caught.value.message) == message
    assert not ApplicationItem.objects.exists() and not ApplicationItem.history.exists()


def test_items_refuse_own_retired_unpublished_repeated_and_empty_requests_at_once(applicant_admin, resource,
                                                                                 provider, hospital):
    application = draft(applicant_admin)
    own = make_resource(hospital.organisation)
    retired = make_resource(provider.organisation)
    retired.status = "retired"
    retired.save()
    unpublished = make_resource(provider.organisation, status="submitted")
    items = [
        {"resource": own, "fields": field_ids(own)},
        {"resource": retired, "fields": field_ids(retired)},
        {"resource": unpublished, "fields": []},
        {"resource": resource, "fields": field_ids(resource, "性别")},
        {"resource": resource, "fields": field_ids(resource, "科室")},
        {"resource": make_resource(provider.organisation), "fields": []},
        {"resource": 999999, "fields": [1]},
    ]
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_items_set(application, items=items, by=applicant_admin)
    messages = caught.value.field_errors["items"]
    assert messages[0] == (f"{own.code} is your institution's own resource: using your own data needs no "
                           "application.")
    assert messages[1] == f"{retired.code} is retired and can no longer be requested."
    assert messages[2] == f"{unpublished.code} has no published catalog entry and cannot be requested."
    assert messages[3] == f"{resource.code} is requested more than once; request each resource once."
    assert messages[4].startswith("Choose at least one field of 测试数据资源")
    assert messages[5] == "Requested resource 7: no such resource in the catalog."
    assert not ApplicationItem.objects.exists()


# --- recipients and the agreement ---------------------------------------------------------------------------


def test_sec4_a_partner_recipient_sees_the_application_only_once_named(applicant_admin, resource,
                                                                     django_capture_on_commit_callbacks):
    from apps.notifications.models import Notification

    application = draft(applicant_admin, resource)
    partner = make_institution("350102")
    person = make_user(partner.organisation, "submitter")
    assert not policy.visible(person, SharingApplication, services.VIEW).exists()
    with django_capture_on_commit_callbacks(execute=True):
        recipient = services.recipient_add(application, user=person, by=applicant_admin)
    assert recipient.role == Recipient.Role.CO_APPLICANT
    notice = Notification.objects.get(recipient=person)  # asked to accept the agreement, in Chinese
    assert application.number in notice.title and notice.url.endswith(f"/applications/{application.pk}/agreement/")
    assert list(policy.visible(person, SharingApplication, services.VIEW)) == [application]
    services.recipient_remove(application, recipient=recipient, by=applicant_admin)
    assert not policy.visible(person, SharingApplication, services.VIEW).exists()
    assert not Recipient.objects.filter(user=person).exists()


def test_recipients_are_active_people_of_admitted_institutions(applicant_admin, hospital):
    application = draft(applicant_admin)
    suspended = make_institution("350102")
    suspend(suspended)
    cases = [
        (make_user(suspended.organisation, "submitter"), "is not admitted (or is suspended)"),
        (make_user(department("350200", "municipal"), "reviewer"), "does not belong to an institution"),
        (make_user(hospital.organisation, "submitter", is_active=False), "account is not active"),
        (applicant_admin, "is already a recipient"),
    ]
    for user, message in cases:
        with pytest.raises(errors.ValidationFailed, match=re.escape(message)):
            services.recipient_add(application, user=user, by=applicant_admin)
    assert application.recipients.count() == 1


def test_the_lead_stays_and_there_is_only_one(applicant_admin, hospital):
    application = draft(applicant_admin)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.recipient_remove(application, recipient=application.recipients.get(), by=applicant_admin)
    assert caught.value.field_errors == {"user": ["The lead applicant cannot be removed."]}
    with pytest.raises(errors.ValidationFailed, match="already has a lead"):
        services.recipient_add(application, user=make_user(hospital.organisation, "submitter"), role="lead",
                               by=applicant_admin)
    with pytest.raises(errors.ValidationFailed, match="Choose the recipient's role"):
        services.recipient_add(application, user=make_user(hospital.organisation, "submitter"), role="boss",
                               by=applicant_admin)
    assert application.recipients.count() == 1


def test_sec4_each_recipient_accepts_the_current_agreement_and_renews_it(applicant_admin, resource, current):
    application = draft(applicant_admin, resource)
    partner = make_user(make_institution("350102").organisation, "submitter")
    services.recipient_add(application, user=partner, by=applicant_admin)
    accepted = services.agreement_accept(application, user=partner)
    assert accepted.agreement == current and accepted.accepted_at is not None
    assert accepted.history.first().history_user == partner
    # The applicant cannot accept for the partner, a stranger does not even see the application.
    stranger = make_user(make_institution("350203").organisation, "institution_admin")
    with pytest.raises(errors.NotFound):
        services.agreement_accept(application, user=stranger)
    provider_user = make_user(resource.provider, "institution_admin")
    with pytest.raises(errors.PermissionDenied, match="Only the people named as recipients"):
        services.agreement_accept(application, user=provider_user)
    # A newer agreement before submission: acceptance must be renewed.
    newer = agreement("T-2027")
    problems = problems_of(application)["recipients"]
    assert problems == [f"{applicant_admin}、{partner} have not accepted the current data use agreement "
                        "(version T-2027)."]
    assert services.agreement_accept(application, user=partner).agreement == newer


# --- the checks before submission ---------------------------------------------------------------------------


def test_a_complete_application_passes(applicant_admin, resource, current):
    application = complete(applicant_admin, resource)
    assert services.application_problems(application) == {}


def test_svc2_no_items(applicant_admin, current):
    application = draft(applicant_admin)
    assert problems_of(application)["items"] == ["Choose at least one resource and the fields you need."]


def test_sec8_personal_fields_without_deidentification_or_legal_basis(applicant_admin, resource, current):
    application = complete(applicant_admin, resource, deidentification_method="none",
                           deidentification_description="")
    assert problems_of(application) == {"deidentification_method": [
        f"Personal fields without de-identification or legal basis: 性别 ({resource.code}). Choose a "
        "de-identification method, or a legal basis under which identified data may be used."]}
    # A legal basis that allows identified data (treatment of the persons concerned) is enough.
    application = services.application_update(application, data={"legal_basis": "medical_treatment"},
                                              by=applicant_admin)
    assert services.application_problems(application) == {}
    # Fields that are not personal need nothing.
    application = services.application_update(application, data={"legal_basis": "scientific_research"},
                                              by=applicant_admin)
    services.application_items_set(application, items=[{"resource": resource,
                                                        "fields": field_ids(resource, "就诊日期")}],
                                   by=applicant_admin)
    assert services.application_problems(application) == {}


def test_sec8_a_deidentification_method_is_described(applicant_admin, resource, current):
    application = complete(applicant_admin, resource, deidentification_description=" ")
    assert problems_of(application) == {
        "deidentification_description": ["Describe how the data will be de-identified."]}


def test_svc2_scientific_research_needs_the_ethics_approval(applicant_admin, resource, current):
    application = draft(applicant_admin, resource)
    services.agreement_accept(application, user=applicant_admin)
    assert problems_of(application) == {"documents": [
        "Scientific research needs the approval of an ethics committee: upload it under Documents."]}
    document_add(application, kind="project_plan", upload=helpers.pdf("plan.pdf"), by=applicant_admin)
    assert "documents" in problems_of(application)
    document_add(application, kind="ethics_approval", upload=helpers.pdf(), by=applicant_admin)
    assert services.application_problems(application) == {}


def test_sec9_an_export_names_its_destination(applicant_admin, resource, current):
    application = complete(applicant_admin, resource, cross_border=True)
    assert problems_of(application) == {"cross_border_destination": [
        "Name the country or region the data go to; the export also needs a security assessment recorded by "
        "the department before approval."]}


def test_svc2_period_longer_than_allowed_and_start_in_the_past(applicant_admin, resource, current):
    today = timezone.localdate()
    application = complete(applicant_admin, resource, period_start=today - datetime.timedelta(days=1),
                           period_end=today + datetime.timedelta(days=3 * 365 + 5))
    problems = problems_of(application)
    assert problems["period_start"] == [f"The requested period starts in the past "
                                        f"({(today - datetime.timedelta(days=1)).isoformat()}); data are granted "
                                        "from the approval onwards."]
    assert problems["period_end"] == ["The requested period is 1102 days; at most 1095 days are granted at once "
                                      "(a renewal continues it)."]


def test_svc2_empty_answers_and_security_measures(applicant_admin, resource, current):
    application = complete(applicant_admin, resource, security_measures="", purpose="")
    problems = problems_of(application)
    assert problems == {"purpose": ["Describe the purpose for which the data are used."],
                        "security_measures": ["Describe the security measures that protect the data."]}


def test_svc2_every_problem_is_reported_at_once(applicant_admin, resource, current):
    application = draft(applicant_admin, resource, deidentification_method="none", security_measures="",
                        cross_border=True, deidentification_description="")
    problems = problems_of(application)
    assert set(problems) == {"security_measures", "deidentification_method", "documents",
                             "cross_border_destination", "recipients"}
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_validate(application)
    assert str(caught.value.message) == "The application cannot be submitted yet: 5 problems to correct."


def test_an_updated_catalog_entry_needs_the_fields_chosen_again(applicant_admin, resource, current):
    from apps.catalog.models import DataField, ResourceVersion

    application = complete(applicant_admin, resource)
    old = resource.published_version
    old.status = ResourceVersion.Status.SUPERSEDED
    old.save()
    newer = ResourceVersion.objects.create(
        resource=resource, number=2, status="published", title=old.title, description=old.description,
        category=old.category, sharing_type=old.sharing_type, open_form=old.open_form,
        update_frequency=old.update_frequency, data_format="CSV", volume="1", coverage_start=old.coverage_start,
        storage_province=old.storage_province, created_by=applicant_admin, level=2)
    DataField.objects.create(version=newer, name="性别", level=2, personal=True)
    resource.published_version = newer
    resource.save()
    assert problems_of(application) == {"items": [
        f"The catalog entry of {resource.code} has changed (now version 2); choose its fields again."]}


def test_an_enclave_resource_is_analysed_in_the_enclave(applicant_admin, provider, current):
    enclave = make_resource(provider.organisation, fields=helpers.LOW_FIELDS, open_form="enclave")
    application = complete(applicant_admin, enclave)
    assert problems_of(application) == {"delivery_mode": [
        f"{enclave.code} can only be analysed inside the provider's environment: choose the enclave delivery "
        "mode."]}
    application = services.application_update(application, data={"delivery_mode": "enclave"},
                                              by=applicant_admin)
    assert services.application_problems(application) == {}


# --- submission -----------------------------------------------------------------------------------------------


def test_svc2_submit_starts_the_route(applicant_admin, resource, provider, current):
    application = complete(applicant_admin, resource)
    submitted = services.application_submit(application, by=applicant_admin)
    assert submitted.status == "in_review" and submitted.round == 1 and submitted.level == 2
    assert submitted.submitted_at is not None
    step = RouteStep.objects.get(application=application)
    assert (step.round, step.order, step.kind, step.organisation_id, step.status) == (
        1, 1, "provider", provider.pk, "active")
    row = submitted.history.first()
    assert row.history_user == applicant_admin and row.history_change_reason == "submitted (round 1)"
    with pytest.raises(errors.TransitionNotAllowed):
        services.application_submit(submitted, by=applicant_admin)


def test_svc2_not_shareable_is_refused_at_submission_with_the_reason(applicant_admin, provider, current):
    closed = make_resource(provider.organisation, fields=helpers.LOW_FIELDS, sharing_type="not_shareable")
    application = complete(applicant_admin, closed)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_submit(application, by=applicant_admin)
    assert "its provider has declared it not shareable" in str(caught.value.message)
    application.refresh_from_db()
    assert application.status == "draft" and application.round == 0 and application.level is None
    assert not RouteStep.objects.exists() and application.history.filter(history_change_reason__startswith="sub") \
        .count() == 0


def test_svc2_suspended_applicant_cannot_submit(hospital, applicant_admin, resource, current):
    application = complete(applicant_admin, resource)
    suspend(hospital)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_submit(application, by=applicant_admin)
    assert caught.value.field_errors["applicant"] == [
        "Your institution is suspended: it cannot apply for data until the suspension is lifted."]
    application.refresh_from_db()
    assert application.status == "draft" and not RouteStep.objects.exists()


def test_an_incomplete_application_is_not_submitted(applicant_admin, resource, current):
    application = draft(applicant_admin, resource)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_submit(application, by=applicant_admin)
    assert set(caught.value.field_errors) == {"documents", "recipients"}
    application.refresh_from_db()
    assert application.status == "draft" and not RouteStep.objects.exists()


def test_sec4_a_provider_cannot_submit_an_application_for_its_resource(applicant_admin, resource, provider_admin,
                                                                     current):
    application = complete(applicant_admin, resource)
    with pytest.raises(errors.PermissionDenied):
        services.application_submit(application, by=provider_admin)
    application.refresh_from_db()
    assert application.status == "draft"


def return_for_correction(application, provider, provider_admin, field_comments=None):
    """The provider's named reviewer returns the application through the real routing service."""
    step = application.steps.get(round=application.round, status="active")
    reviewer = make_user(provider.organisation, "data_steward")
    routing.step_reviewers_assign(step, users=[reviewer], by=provider_admin)
    routing.conflict_declare(step, user=reviewer, statement="本人与申请无利益冲突。")
    routing.step_decide(step, decision="return", comment="请补充用途说明。",
                        field_comments=field_comments or {"purpose": "用途过于笼统。"}, by=reviewer)
    application.refresh_from_db()
    return reviewer


def test_svc2_a_returned_application_is_corrected_and_resubmitted(applicant_admin, resource, provider,
                                                                provider_admin, current):
    application = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    return_for_correction(application, provider, provider_admin)
    assert application.status == "returned"
    round_, comments = services.latest_review_comments(application)
    assert round_ == 1 and [c.text for c in comments["purpose"]] == ["用途过于笼统。"]
    services.application_update(application, data={"purpose": "评估门诊服务质量：候诊时间与复诊率。"},
                                by=applicant_admin)
    resubmitted = services.application_resubmit(application, by=applicant_admin)
    assert resubmitted.status == "in_review" and resubmitted.round == 2
    assert RouteStep.objects.filter(application=application, round=2, status="active").count() == 1
    assert resubmitted.history.first().history_change_reason == "resubmitted (round 2)"


# --- withdrawal -----------------------------------------------------------------------------------------------


def test_svc2_withdraw_a_draft_with_a_reason(applicant_admin, resource):
    application = draft(applicant_admin, resource)
    with pytest.raises(errors.ValidationFailed) as caught:
        services.application_withdraw(application, reason=" ", by=applicant_admin)
    assert caught.value.field_errors == {"reason": ["Say why the application is withdrawn."]}
    application.refresh_from_db()
    assert application.status == "draft"
    withdrawn = services.application_withdraw(application, reason="项目取消", by=applicant_admin)
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_reason == "项目取消"
    assert withdrawn.history.first().history_change_reason == "withdrawn: 项目取消"
    with pytest.raises(errors.TransitionNotAllowed):
        services.application_withdraw(withdrawn, reason="again", by=applicant_admin)


def test_svc2_withdraw_in_review_cancels_the_route(applicant_admin, resource, provider_admin, current):
    application = services.application_submit(complete(applicant_admin, resource), by=applicant_admin)
    with pytest.raises(errors.PermissionDenied):
        services.application_withdraw(application, reason="x", by=provider_admin)
    services.application_withdraw(application, reason="合作终止", by=applicant_admin)
    assert list(RouteStep.objects.filter(application=application).values_list("status", flat=True)) == ["cancelled"]
