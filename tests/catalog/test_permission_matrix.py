"""The authorization matrix of the catalog pages and endpoints (issue 4 "Permissions", SEC-4, SUP-5): every role,
in and out of jurisdiction (departments) or own and other (institutions), the named people around an
application (recipients, reviewers) and anonymous visitors; each cell asserted with its exact status.

A provider sees applications for its own resources, an applicant its own, a reviewer what it is assigned,
departments their jurisdiction; documents and letters download only for those, each download audited.
Whatever a user may not see answers 404 (ids reveal nothing), what they see but may not do answers 403; the
API answers 401 where a page sends an anonymous visitor to sign in."""

from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import (
    DataGrant,
    DataRelease,
    DecisionLetter,
    Recipient,
    ResourceVersion,
    RouteRule,
    RouteStep,
    SharingApplication,
)
from apps.catalog.services import applications as application_services
from apps.catalog.services import grants as grant_services
from apps.catalog.services import letters as letter_services
from apps.catalog.services import routing
from apps.catalog.services.application_documents import document_add
from apps.catalog.services.defaults import defaults_ensure
from apps.catalog.workflows import DECIDE
from apps.core import errors, policy
from apps.core.models import AccessRecord
from tests.conftest import login_verified, make_user
from tests.factories import department
from tests.institutions.factories import make_institution

from . import application_helpers as helpers
from .factories import make_resource, provider_institution
from .grants_helpers import CHECKSUM, grant_case
from .grants_helpers import pdf as grant_pdf
from .letters_factories import Scenario
from .routing_helpers import approve, name_and_declare

pytestmark = pytest.mark.django_db

DEPARTMENT_ROLES = ["department_admin", "reviewer", "inspector", "case_officer", "standards_officer",
                    "department_head", "auditor"]
INSTITUTION_ROLES = ["institution_admin", "top_leader", "security_officer", "data_steward", "submitter"]
# Department roles that read applications, routes, grants and letters (the standards officer's role does not).
SHARING_READERS = set(DEPARTMENT_ROLES) - {"standards_officer"}
ENTRY_REVIEWERS = {"reviewer", "department_head"}  # catalog.review_resource
APPLIERS = {"institution_admin", "data_steward", "submitter"}  # catalog.apply_for_data
RELEASERS = {"institution_admin", "security_officer", "data_steward"}  # catalog.release_data
REVOKERS = {"department_head"}  # catalog.revoke_grant
V = ResourceVersion.Status


# --- the worlds are built once per module, each test runs in a savepoint inside them -----------------------------
#
# Building a world goes through the real services (submission, routing, grant creation) and takes about a second;
# a thousand cells would take a quarter of an hour. Like Django's setUpTestData, each world is built once inside an
# outer transaction that is rolled back after the module; every cell runs in its own savepoint inside it (the
# `db` fixture nests), so what a cell changes (a decision, a release, a revocation) is undone before the next.


@pytest.fixture(scope="module", autouse=True)
def _module_media(tmp_path_factory):
    """Files stored while building the worlds (documents, letters) stay readable for every cell of the module."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media"))):
        yield


@pytest.fixture(scope="module", autouse=True)
def _no_broker():
    """Nothing reaches the broker: e-mails, recomputations and letter rendering are dropped."""
    from apps.catalog.tasks import render_letter
    from apps.institutions import tasks
    from apps.notifications.tasks import send_notification_email

    with pytest.MonkeyPatch.context() as patch:
        for task in (send_notification_email, tasks.credit_recompute_everyone, render_letter):
            patch.setattr(task, "apply_async", lambda *args, **kwargs: None)
        yield


@contextmanager
def built_once(django_db_blocker, build):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            defaults_ensure()
            world = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def actors(department_sides, institution_sides, people=()):
    return ([("department", role, side) for role in DEPARTMENT_ROLES for side in department_sides]
            + [("institution", role, side) for role in INSTITUTION_ROLES for side in institution_sides]
            + [("person", name, None) for name in people]
            + [("anonymous", None, None)])


def actor_id(actor):
    kind, role, side = actor
    if kind == "anonymous":
        return "anonymous"
    return role if kind == "person" else f"{role}-{side}"


def sign_in(client, world, actor):
    """Sign the actor in (a new user with the role in the side's organisation, or the named person)."""
    kind, role, side = actor
    if kind == "anonymous":
        return None
    user = world["people"][role] if kind == "person" else make_user(world[side], role)
    login_verified(client, user)
    return user


def for_api(expected: int) -> int:
    """The API answers 401 where the page sends an anonymous visitor to the sign-in page."""
    return 401 if expected == 302 else expected


def assert_login_redirect(response):
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def assert_page(response, actor, expected: int, *, redirect_to: str | None = None):
    """The exact status; a 302 goes to the sign-in page for anonymous visitors, else to `redirect_to`."""
    assert response.status_code == expected, (actor, response.status_code)
    if expected == 302:
        if actor[0] == "anonymous":
            assert_login_redirect(response)
        else:
            assert response["Location"] == redirect_to


# ================================================================================================================
# The catalog: search, entry pages, drafts and the department's review of an entry (SVC-1, SVC-4, SVC-5)
# ================================================================================================================

CATALOG_ACTORS = actors(("in", "out", "far"), ("own", "other"))


@pytest.fixture(scope="module")
def catalog_world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_catalog_world) as world:
        yield world


def build_catalog_world():
    """A provider in Gulou, Fuzhou with a published (controlled), a fully public, a draft and a submitted entry.
    in = Fuzhou's department (covers the provider), out = Xiamen's (same province), far = Guangdong's."""
    provider, provider_admin = provider_institution("350102", name="鼓楼数据医院")
    other = make_institution("350102", name="鼓楼其他医院")
    organisation = provider.organisation
    return {
        "in": department("350100", "municipal", "福州市卫生健康委员会"),
        "out": department("350200", "municipal", "厦门市卫生健康委员会"),
        "far": department("440000", "provincial", "广东省卫生健康委员会"),
        "own": organisation, "other": other.organisation, "people": {},
        "published": make_resource(organisation, by=provider_admin),
        "public": make_resource(organisation, by=provider_admin, open_form="public"),
        "draft": make_resource(organisation, by=provider_admin, status=V.DRAFT),
        "submitted": make_resource(organisation, by=provider_admin, status=V.SUBMITTED, submitted_at=timezone.now()),
    }


def _version(resource) -> ResourceVersion:
    return resource.versions.get()


RESPONSIBLE_NAME = "张三"  # the person named for every lifecycle stage by tests/catalog/factories.make_resource


def sees_in_full(actor) -> bool:
    """The provider's people and the departments covering the resource (policy scope)."""
    kind, _role, side = actor
    return (kind, side) in (("department", "in"), ("institution", "own"))


def expected_catalog(actor, page: str) -> int:
    kind, role, side = actor
    if page == "public_entry":
        return 200  # fully public entries: anyone, signed in or not (SVC-5)
    if page == "public_controlled":
        return 404  # a controlled entry is not on the public pages, whoever asks
    if kind == "anonymous":
        return 302
    if page in ("search", "entry"):
        return 200  # every signed-in role reads the published catalog
    if side in ("out", "far", "other"):
        return 404  # drafts and entries in review: their provider and the departments covering them only
    if page in ("draft", "draft_entry"):
        return 200
    if page == "review":
        # A department covering the resource reviews; the provider itself may not (403).
        return 200 if kind == "department" and role in ENTRY_REVIEWERS else 403
    raise AssertionError(page)


CATALOG_PAGES = {
    "search": lambda w: reverse("catalog:search"),
    "entry": lambda w: reverse("catalog:resource_detail", args=[w["published"].pk]),
    "draft": lambda w: reverse("catalog:version_detail", args=[_version(w["draft"]).pk]),
    "draft_entry": lambda w: reverse("catalog:resource_detail", args=[w["draft"].pk]),
    "review": lambda w: reverse("catalog:version_review", args=[_version(w["submitted"]).pk]),
    "public_entry": lambda w: reverse("catalog:public_entry", args=[w["public"].code]),
    "public_controlled": lambda w: reverse("catalog:public_entry", args=[w["published"].code]),
}


@pytest.mark.parametrize("page", list(CATALOG_PAGES))
@pytest.mark.parametrize("actor", CATALOG_ACTORS, ids=actor_id)
def test_catalog_page_matrix(client, catalog_world, actor, page):
    sign_in(client, catalog_world, actor)
    response = client.get(CATALOG_PAGES[page](catalog_world))
    assert_page(response, actor, expected_catalog(actor, page))
    if page in ("entry", "public_entry") and response.status_code == 200:
        # Responsible persons' names (SVC-3) for the provider and the departments covering it; others see the
        # positions only, and the public pages never show a name.
        assert (RESPONSIBLE_NAME in response.content.decode()) == (page == "entry" and sees_in_full(actor))


CATALOG_API = {
    "search": lambda w: reverse("api:catalog-resource-list"),
    "entry": lambda w: reverse("api:catalog-resource-detail", args=[w["published"].pk]),
    "draft": lambda w: reverse("api:catalog-version-detail", args=[_version(w["draft"]).pk]),
}


@pytest.mark.parametrize("endpoint", list(CATALOG_API))
@pytest.mark.parametrize("actor", CATALOG_ACTORS, ids=actor_id)
def test_catalog_api_matrix(client, catalog_world, actor, endpoint):
    sign_in(client, catalog_world, actor)
    response = client.get(CATALOG_API[endpoint](catalog_world))
    assert response.status_code == for_api(expected_catalog(actor, endpoint))
    if endpoint == "entry" and response.status_code == 200:
        assert (RESPONSIBLE_NAME in response.content.decode()) == sees_in_full(actor)


@pytest.mark.parametrize("actor", CATALOG_ACTORS, ids=actor_id)
def test_catalog_review_decision_matrix(client, catalog_world, actor):
    """Returning an entry through the API: a reviewing department covering it only; nothing moves otherwise."""
    sign_in(client, catalog_world, actor)
    version = _version(catalog_world["submitted"])
    response = client.post(reverse("api:catalog-version-review", args=[version.pk]),
                           {"decision": "return", "comment": "请补充各字段的数据元编码。"},
                           content_type="application/json")
    expected = for_api(expected_catalog(actor, "review"))
    assert response.status_code == expected
    version.refresh_from_db()
    assert version.status == (V.RETURNED if expected == 200 else V.SUBMITTED)


# ================================================================================================================
# Sharing applications: the page, the API, the editor and the documents (SVC-2, SEC-4, SUP-5)
# ================================================================================================================

# Level 3 (the highest field): the default route is the provider, then the provider's municipal department.
LEVEL_3_FIELDS = [("性别", 2, True), ("就诊日期", 2, False), ("诊断编码", 3, False)]
REQUESTED = ("性别", "就诊日期", "诊断编码")
# provider_city: Fuzhou (the provider's city); applicant_city: Xiamen; province: Fujian (both parties); out: Quanzhou
# (same province, neither party); far: Guangdong (another province).
SHARING_DEPARTMENTS = ("provider_city", "applicant_city", "province", "out", "far")
COVERING = ("provider_city", "applicant_city", "province")
SHARING_ACTORS = actors(SHARING_DEPARTMENTS, ("applicant", "provider", "other"), ("recipient", "colleague"))
STEP_ACTORS = actors(SHARING_DEPARTMENTS, ("applicant", "provider", "other"),
                     ("named_reviewer", "applicant_granted", "recipient_granted"))


@pytest.fixture(scope="module")
def sharing_world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_sharing_world) as world:
        yield world


def build_sharing_world():
    """An application of a hospital in Xiamen (350203) for a level-3 resource of a provider in Gulou, Fuzhou
    (350102), made through the services: an ethics approval, a named recipient of a partner institution,
    submitted; the provider's step approved and Fuzhou's department's step active with one named, declared
    reviewer. Another applicant (other) has its own application for the same resource."""
    department("350100", "municipal", "福州市卫生健康委员会")
    provider, provider_admin = provider_institution("350102", name="鼓楼数据医院")
    resource = make_resource(provider.organisation, by=provider_admin, fields=LEVEL_3_FIELDS)
    applicant, applicant_admin = provider_institution("350203", name="厦门研究医院")
    partner, _partner_admin = provider_institution("350102", name="合作研究所")
    recipient = make_user(partner.organisation, "submitter", full_name="钱合作")
    other, other_admin = provider_institution("350203", name="另一申请医院")
    others_application = helpers.draft(other_admin, resource, names=REQUESTED)

    application = helpers.draft(applicant_admin, resource, names=REQUESTED)
    document = document_add(application, kind="ethics_approval", upload=helpers.pdf("伦理批件.pdf"),
                            by=applicant_admin)
    application_services.agreement_accept(application, user=applicant_admin)
    application_services.recipient_add(application, user=recipient, by=applicant_admin)
    application_services.agreement_accept(application, user=recipient)
    application_services.application_submit(application, by=applicant_admin)
    first, second = application.steps.order_by("order")
    # The provider decides first, then Fuzhou's municipal department (another world of this module may hold a
    # department of Fuzhou too: the route's is the one whose people act here).
    assert (first.organisation, second.kind) == (provider.organisation, "provider_municipal")
    fuzhou = second.organisation
    assert (fuzhou.kind, fuzhou.region_id) == ("department", "350100")
    approve(first, make_user(provider.organisation, "data_steward"), by=provider_admin)
    named_reviewer = make_user(fuzhou, "reviewer", full_name="孙审核")
    name_and_declare(second, named_reviewer)
    second.refresh_from_db()
    assert second.status == RouteStep.Status.ACTIVE
    # The applying side holding grants on the step nobody could have given it through the services.
    applicant_granted = make_user(applicant.organisation, "institution_admin")
    for person in (applicant_granted, recipient):
        policy.grant(person, routing.VIEW_STEP, second)
        policy.grant(person, DECIDE, second)
    application.refresh_from_db()
    return {
        "provider_city": fuzhou, **other_departments(),
        "applicant": applicant.organisation, "provider": provider.organisation, "other": other.organisation,
        "people": {"recipient": recipient, "colleague": make_user(partner.organisation, "submitter"),
                   "named_reviewer": named_reviewer, "applicant_granted": applicant_granted,
                   "recipient_granted": recipient},
        "application": application, "document": document, "step": second, "resource": resource,
        "applicant_admin": applicant_admin, "partner": partner, "others_application": others_application,
    }


def other_departments() -> dict:
    """The departments of a world besides Fuzhou's (which each world takes from its own parties)."""
    return {"applicant_city": department("350200", "municipal", "厦门市卫生健康委员会"),
            "province": department("350000", "provincial", "福建省卫生健康委员会"),
            "out": department("350500", "municipal", "泉州市卫生健康委员会"),
            "far": department("440000", "provincial", "广东省卫生健康委员会")}


def sees_application(actor) -> bool:
    kind, role, side = actor
    if kind == "department":
        return side in COVERING and role in SHARING_READERS
    if kind == "institution":
        return side in ("applicant", "provider")
    return kind == "person" and role == "recipient"  # named: an object grant on the application


def expected_application(actor, page: str) -> int:
    kind, role, side = actor
    if kind == "anonymous":
        return 302
    if not sees_application(actor):
        return 404  # another applicant, another institution, a department of neither party
    if page == "detail":
        return 200
    if page == "edit":
        # Only the applying institution's appliers change it; it is in review, so the page sends them back to
        # the application (the API: 409). Providers, departments and recipients see it read-only: 403.
        return 302 if kind == "institution" and side == "applicant" and role in APPLIERS else 403
    if page == "document":
        # The documents are for the applicant, the providers and the departments (issue 4 "Permissions"); the
        # recipient of another institution is granted the application, not its documents.
        return 404 if kind == "person" else 200
    raise AssertionError(page)


def _detail_url(world) -> str:
    return reverse("catalog:application_detail", args=[world["application"].pk])


APPLICATION_PAGES = {
    "detail": lambda w: reverse("catalog:application_detail", args=[w["application"].pk]),
    "edit": lambda w: reverse("catalog:application_edit", args=[w["application"].pk]),
}


@pytest.mark.parametrize("page", list(APPLICATION_PAGES))
@pytest.mark.parametrize("actor", SHARING_ACTORS, ids=actor_id)
def test_application_page_matrix(client, sharing_world, actor, page):
    sign_in(client, sharing_world, actor)
    response = client.get(APPLICATION_PAGES[page](sharing_world))
    assert_page(response, actor, expected_application(actor, page), redirect_to=_detail_url(sharing_world))


@pytest.mark.parametrize("actor", SHARING_ACTORS, ids=actor_id)
def test_application_api_detail_matrix(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    response = client.get(reverse("api:catalog-application-detail", args=[sharing_world["application"].pk]))
    assert response.status_code == for_api(expected_application(actor, "detail"))


@pytest.mark.parametrize("actor", SHARING_ACTORS, ids=actor_id)
def test_application_api_edit_matrix(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    application = sharing_world["application"]
    response = client.patch(reverse("api:catalog-application-detail", args=[application.pk]),
                            {"title": "改过的标题"}, content_type="application/json")
    expected = expected_application(actor, "edit")
    assert response.status_code == (409 if expected == 302 and actor[0] != "anonymous" else for_api(expected))
    application.refresh_from_db()
    assert application.title != "改过的标题"


APPLICATION_WRITES = {
    # endpoint: (method, path name, body builder, status for the applying institution's appliers in review)
    "withdraw": ("post", "api:catalog-application-withdraw", lambda w: {"reason": "项目取消。"}, 200),
    "items": ("put", "api:catalog-application-items", lambda w: {"items": []}, 409),
    "recipients": ("post", "api:catalog-application-recipients",
                   lambda w: {"username": w["people"]["colleague"].username,
                              "email": w["people"]["colleague"].email}, 409),
    "documents": ("post", "api:catalog-application-documents",
                  lambda w: {"kind": "project_plan", "file": helpers.pdf("方案.pdf")}, 409),
    "submit": ("post", "api:catalog-application-submit", lambda w: {}, 409),
    "follow_ups": ("post", "api:catalog-application-followups", lambda w: {"kind": "amendment"}, 409),
}


@pytest.mark.parametrize("endpoint", list(APPLICATION_WRITES))
@pytest.mark.parametrize("actor", SHARING_ACTORS, ids=actor_id)
def test_application_api_write_matrix(client, sharing_world, actor, endpoint):
    """Every change is the applying institution's (its appliers; 409 where the state forbids it): providers,
    departments and recipients of other institutions who see the application get 403, others 404."""
    sign_in(client, sharing_world, actor)
    method, name, body, applier_status = APPLICATION_WRITES[endpoint]
    application = sharing_world["application"]
    url = reverse(name, args=[application.pk])
    if endpoint == "documents":
        response = client.post(url, body(sharing_world))  # multipart
    else:
        response = getattr(client, method)(url, body(sharing_world), content_type="application/json")
    expected = expected_application(actor, "edit")
    expected = applier_status if expected == 302 and actor[0] != "anonymous" else for_api(expected)
    assert response.status_code == expected
    application.refresh_from_db()
    withdrawn = endpoint == "withdraw" and expected == 200
    assert application.status == ("withdrawn" if withdrawn else "in_review")
    assert (application.documents.count(), application.recipients.count(), application.items.count()) == (1, 2, 1)
    assert not application.followups.exists()


def _listed_ids(response) -> set[int]:
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


@pytest.mark.parametrize("actor", SHARING_ACTORS, ids=actor_id)
def test_application_api_list_is_scoped(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    response = client.get(reverse("api:catalog-application-list"))
    if actor[0] == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = _listed_ids(response)
    assert (sharing_world["application"].pk in ids) == sees_application(actor)
    kind, _role, side = actor
    if kind == "institution":  # an applicant lists its own; the provider those for its resources
        assert (sharing_world["others_application"].pk in ids) == (side in ("other", "provider"))


def test_another_applicant_opens_its_own_application_but_not_this_one(client, sharing_world):
    """The 404 of the "other" column is about the id, not about the applicant: its own answers 200."""
    other_admin = sharing_world["others_application"].created_by
    login_verified(client, other_admin)
    own = sharing_world["others_application"].pk
    assert client.get(reverse("catalog:application_detail", args=[own])).status_code == 200
    assert client.get(reverse("api:catalog-application-detail", args=[own])).status_code == 200
    assert client.get(_detail_url(sharing_world)).status_code == 404
    assert client.get(reverse("api:catalog-application-detail",
                              args=[sharing_world["application"].pk])).status_code == 404


@pytest.mark.parametrize("surface", ["page", "api"])
def test_a_recipient_of_another_institution_sees_the_application_only_while_named(client, sharing_world, surface):
    """404 before being named, 200 once named (object grant), 404 again once removed."""
    applicant_admin = sharing_world["applicant_admin"]
    application = helpers.draft(applicant_admin, sharing_world["resource"], names=REQUESTED)
    person = make_user(sharing_world["partner"].organisation, "submitter")
    url = (reverse("catalog:application_detail", args=[application.pk]) if surface == "page"
           else reverse("api:catalog-application-detail", args=[application.pk]))
    login_verified(client, person)
    assert client.get(url).status_code == 404
    recipient = application_services.recipient_add(application, user=person, by=applicant_admin)
    assert client.get(url).status_code == 200
    application_services.recipient_remove(application, recipient=recipient, by=applicant_admin)
    assert client.get(url).status_code == 404


DOCUMENT_SURFACES = {
    "page": lambda w: reverse("catalog:application_document", args=[w["document"].pk]),
    "api": lambda w: reverse("api:catalog-application-document", args=[w["application"].pk, w["document"].pk]),
}


@pytest.mark.parametrize("surface", list(DOCUMENT_SURFACES))
@pytest.mark.parametrize("actor", SHARING_ACTORS, ids=actor_id)
def test_application_document_download_matrix_SUP_5(client, sharing_world, actor, surface):
    """Those who may download get the file and leave one access record; nobody else leaves any."""
    user = sign_in(client, sharing_world, actor)
    document = sharing_world["document"]
    response = client.get(DOCUMENT_SURFACES[surface](sharing_world))
    expected = expected_application(actor, "document")
    assert response.status_code == (expected if surface == "page" else for_api(expected))
    records = AccessRecord.objects.filter(object_type="catalog.applicationdocument", object_id=str(document.pk))
    if expected == 200:
        assert b"".join(response.streaming_content) == helpers.PDF
        assert [(r.user, r.action, r.organisation_id) for r in records] == [(user, "download", user.organisation_id)]
    else:
        if surface == "page" and expected == 302:
            assert_login_redirect(response)
        assert not records.exists()


# --- the review step: its page and its decision (SVC-2, SEC-4) ------------------------------------------------


def expected_step(actor, action: str) -> int:
    """`view`: the step page; `decide`: deciding it (page: 302 back to the step once decided)."""
    kind, role, side = actor
    if kind == "anonymous":
        return 302
    if kind == "person":
        if role == "named_reviewer":
            return 200 if action == "view" else 302
        # The applying side (the applicant's people, the recipients) never decides, even holding the grants.
        return 200 if action == "view" else 403
    if kind == "department" and side in ("provider_city", "province") and role in SHARING_READERS:
        # Fuzhou's department and Fujian's above it see the step; a reviewer (any member) who is not named may
        # not decide it.
        return 200 if action == "view" else 403
    # Fuzhou's step is not the provider's, the applicant's, nor Xiamen's, Quanzhou's or Guangdong's to see.
    return 404


def _step_url(world) -> str:
    return reverse("catalog:step_detail", args=[world["step"].pk])


@pytest.mark.parametrize("actor", STEP_ACTORS, ids=actor_id)
def test_step_page_matrix(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    assert_page(client.get(_step_url(sharing_world)), actor, expected_step(actor, "view"))


@pytest.mark.parametrize("actor", STEP_ACTORS, ids=actor_id)
def test_step_api_matrix(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    response = client.get(reverse("api:catalog-step-detail", args=[sharing_world["step"].pk]))
    assert response.status_code == for_api(expected_step(actor, "view"))


@pytest.mark.parametrize("actor", STEP_ACTORS, ids=actor_id)
def test_step_api_list_is_scoped(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    step = sharing_world["step"]
    response = client.get(reverse("api:catalog-step-list"), {"application": step.application_id})
    if actor[0] == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert (step.pk in _listed_ids(response)) == (expected_step(actor, "view") == 200)
    mine = _listed_ids(client.get(reverse("api:catalog-step-list"), {"mine": "1"}))
    assert (step.pk in mine) == (actor[0] == "person")  # the holders of the decide grant


def _assert_decided(world, expected_ok: bool):
    step = RouteStep.objects.get(pk=world["step"].pk)
    application = SharingApplication.objects.get(pk=world["application"].pk)
    if expected_ok:
        assert step.status == RouteStep.Status.APPROVED and application.status == SharingApplication.Status.APPROVED
    else:
        assert step.status == RouteStep.Status.ACTIVE and step.decided_by is None
        assert application.status == SharingApplication.Status.IN_REVIEW


@pytest.mark.parametrize("actor", STEP_ACTORS, ids=actor_id)
def test_step_decision_page_matrix(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    response = client.post(_step_url(sharing_world), {"action": "decide", "decision": "approve"})
    expected = expected_step(actor, "decide")
    assert_page(response, actor, expected, redirect_to=_step_url(sharing_world))
    _assert_decided(sharing_world, expected == 302 and actor[0] != "anonymous")


@pytest.mark.parametrize("actor", STEP_ACTORS, ids=actor_id)
def test_step_decision_api_matrix(client, sharing_world, actor):
    sign_in(client, sharing_world, actor)
    response = client.post(reverse("api:catalog-step-decide", args=[sharing_world["step"].pk]),
                           {"decision": "approve"}, content_type="application/json")
    expected = expected_step(actor, "decide")
    assert response.status_code == (200 if expected == 302 and actor[0] != "anonymous" else for_api(expected))
    _assert_decided(sharing_world, response.status_code == 200)


@pytest.mark.parametrize("person", ["applicant_granted", "recipient_granted"])
def test_the_applying_side_is_refused_by_the_service_even_with_the_decide_grant_SEC_4(sharing_world, person):
    """The service itself, not only the pages, refuses the applying side (whatever the grants say)."""
    user, step = sharing_world["people"][person], sharing_world["step"]
    assert policy.can(user, DECIDE, step)  # the grant is there
    with pytest.raises(errors.PermissionDenied, match="applying institution"):
        routing.conflict_declare(step, user=user, statement="本人无利益冲突。")
    with pytest.raises(errors.PermissionDenied, match="applying institution"):
        routing.step_decide(step, decision="approve", by=user)
    _assert_decided(sharing_world, False)


# ================================================================================================================
# Grants: the page, releases and revocation (SVC-3, SEC-4, SEC-8)
# ================================================================================================================

GRANT_ACTORS = actors(SHARING_DEPARTMENTS, ("grantee", "provider", "other"), ("recipient",))


@pytest.fixture(scope="module")
def grant_world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_grant_world) as world:
        yield world


def build_grant_world():
    """A grant (through grant_create) to a hospital in Xiamen (350203) on non-personal fields of a resource of a
    provider in Gulou, Fuzhou (350102), with a co-recipient of a partner institution."""
    case = grant_case(fields=("诊断编码", "就诊日期"))
    record = grant_services.deidentification_record(
        case.grant, item=case.item, method="pseudonymisation", description="诊断编码以外的标识已替换。",
        evidence_upload=grant_pdf("去标识化报告.pdf"), by=case.provider_admin)
    return {
        "provider_city": case.reviewer.organisation,  # Fuzhou's municipal department, the approving reviewer's
        **other_departments(),
        "grantee": case.applicant.organisation, "provider": case.provider.organisation,
        "other": make_institution("350203", name="无关医院").organisation,
        "people": {"recipient": case.co_recipient}, "case": case, "grant": case.grant, "evidence": record,
    }


def sees_grant(actor) -> bool:
    kind, role, side = actor
    if kind == "department":
        return side in COVERING and role in SHARING_READERS
    if kind == "institution":
        return side in ("grantee", "provider")
    return kind == "person"


def expected_grant(actor, action: str) -> int:
    """`view`; `release` and `revoke` answer 302 (page) for the success, since the page goes back to the grant."""
    kind, role, side = actor
    if kind == "anonymous":
        return 302
    if not sees_grant(actor):
        return 404
    if action == "view":
        return 200
    if action == "release":
        return 302 if kind == "institution" and side == "provider" and role in RELEASERS else 403
    if action == "revoke":
        return 302 if kind == "department" and role in REVOKERS else 403
    raise AssertionError(action)


def _grant_url(world) -> str:
    return reverse("catalog:grant_detail", args=[world["grant"].pk])


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_grant_page_matrix(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    assert_page(client.get(_grant_url(grant_world)), actor, expected_grant(actor, "view"))


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_grant_api_matrix(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    response = client.get(reverse("api:catalog-grant-detail", args=[grant_world["grant"].pk]))
    assert response.status_code == for_api(expected_grant(actor, "view"))


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_grant_api_list_is_scoped(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    response = client.get(reverse("api:catalog-grant-list"))
    if actor[0] == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert (grant_world["grant"].pk in _listed_ids(response)) == sees_grant(actor)


EVIDENCE_SURFACES = {
    "page": lambda w: reverse("catalog:grant_deidentification_evidence", args=[w["grant"].pk, w["evidence"].pk]),
    "api": lambda w: reverse("api:catalog-grant-deidentification-evidence", args=[w["grant"].pk, w["evidence"].pk]),
}


@pytest.mark.parametrize("surface", list(EVIDENCE_SURFACES))
@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_deidentification_evidence_download_matrix_SUP_5(client, grant_world, actor, surface):
    """The evidence of a de-identification (SEC-8) downloads for those who see the grant, audited."""
    user = sign_in(client, grant_world, actor)
    response = client.get(EVIDENCE_SURFACES[surface](grant_world))
    expected = expected_grant(actor, "view")
    assert response.status_code == (expected if surface == "page" else for_api(expected))
    records = AccessRecord.objects.filter(object_type="catalog.deidentificationrecord",
                                          object_id=str(grant_world["evidence"].pk))
    if expected == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert [(r.user, r.action) for r in records] == [(user, "download")]
    else:
        if surface == "page" and expected == 302:
            assert_login_redirect(response)
        assert not records.exists()


def _release(world) -> dict:
    case = world["case"]
    return {"item": case.item.pk, "recipient": case.applicant_admin.pk, "description": "2024年门诊诊断编码",
            "file_name": "diagnoses-2024.csv", "checksum": CHECKSUM, "record_count": 1200}


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_release_page_matrix(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    form = {f"release-{name}": value for name, value in _release(grant_world).items()}
    response = client.post(reverse("catalog:grant_release_add", args=[grant_world["grant"].pk]), form)
    expected = expected_grant(actor, "release")
    assert_page(response, actor, expected, redirect_to=_grant_url(grant_world))
    assert DataRelease.objects.filter(grant=grant_world["grant"]).count() == (
        1 if expected == 302 and actor[0] != "anonymous" else 0)


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_release_api_matrix(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    response = client.post(reverse("api:catalog-grant-releases", args=[grant_world["grant"].pk]),
                           _release(grant_world), content_type="application/json")
    expected = expected_grant(actor, "release")
    assert response.status_code == (201 if expected == 302 and actor[0] != "anonymous" else for_api(expected))
    assert DataRelease.objects.filter(grant=grant_world["grant"]).count() == (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_revoke_page_matrix(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    response = client.post(reverse("catalog:grant_revoke", args=[grant_world["grant"].pk]),
                           {"revoke-reason": "超出批准用途使用数据。"})
    expected = expected_grant(actor, "revoke")
    assert_page(response, actor, expected, redirect_to=_grant_url(grant_world))
    revoked = expected == 302 and actor[0] != "anonymous"
    assert DataGrant.objects.get(pk=grant_world["grant"].pk).status == ("revoked" if revoked else "active")


@pytest.mark.parametrize("actor", GRANT_ACTORS, ids=actor_id)
def test_revoke_api_matrix(client, grant_world, actor):
    sign_in(client, grant_world, actor)
    response = client.post(reverse("api:catalog-grant-revoke", args=[grant_world["grant"].pk]),
                           {"reason": "超出批准用途使用数据。"}, content_type="application/json")
    expected = expected_grant(actor, "revoke")
    assert response.status_code == (200 if expected == 302 and actor[0] != "anonymous" else for_api(expected))
    assert DataGrant.objects.get(pk=grant_world["grant"].pk).status == (
        "revoked" if response.status_code == 200 else "active")


# ================================================================================================================
# The approval route table (SVC-2): the national department's administrators maintain it
# ================================================================================================================

RULE_ACTORS = actors(("national", "provincial"), ("own",))
RULE_FORM = {"priority": 40, "name": "三级数据（修订）", "min_level": 3, "max_level": 3, "category": "", "open_form": "",
             "sharing_type": "", "jurisdictions": "any", "steps": ["provider", "provider_municipal"],
             "refusal_reason": "", "is_active": "on", "reason": "矩阵测试"}


@pytest.fixture(scope="module")
def rules_world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_rules_world) as world:
        yield world


def build_rules_world():
    return {"national": department(None, "national", "国家卫生健康委员会"),
            "provincial": department("350000", "provincial", "福建省卫生健康委员会"),
            "own": make_institution("350102").organisation, "people": {},
            "rule": RouteRule.objects.get(priority=40)}


def expected_rule_edit(actor) -> int:
    kind, role, side = actor
    if kind == "anonymous":
        return 302
    return 200 if kind == "department" and side == "national" and role == "department_admin" else 403


@pytest.mark.parametrize("actor", RULE_ACTORS, ids=actor_id)
def test_rule_edit_page_matrix(client, rules_world, actor):
    sign_in(client, rules_world, actor)
    assert_page(client.get(reverse("catalog:rule_edit", args=[rules_world["rule"].pk])), actor,
                expected_rule_edit(actor))


@pytest.mark.parametrize("actor", RULE_ACTORS, ids=actor_id)
def test_rule_edit_post_matrix(client, rules_world, actor):
    sign_in(client, rules_world, actor)
    response = client.post(reverse("catalog:rule_edit", args=[rules_world["rule"].pk]), RULE_FORM)
    expected = 302 if expected_rule_edit(actor) == 200 else expected_rule_edit(actor)
    assert_page(response, actor, expected, redirect_to=reverse("catalog:rule_list"))
    changed = expected == 302 and actor[0] != "anonymous"
    assert RouteRule.objects.get(pk=rules_world["rule"].pk).name == ("三级数据（修订）" if changed else "Level 3")


@pytest.mark.parametrize("actor", RULE_ACTORS, ids=actor_id)
def test_rule_edit_api_matrix(client, rules_world, actor):
    sign_in(client, rules_world, actor)
    response = client.patch(reverse("api:catalog-rule-detail", args=[rules_world["rule"].pk]),
                            {"name": "三级数据（修订）", "reason": "矩阵测试"}, content_type="application/json")
    assert response.status_code == for_api(expected_rule_edit(actor))
    changed = response.status_code == 200
    assert RouteRule.objects.get(pk=rules_world["rule"].pk).name == ("三级数据（修订）" if changed else "Level 3")


# ================================================================================================================
# Decision letters: download by the parties, public verification without personal data (SVC-2, SVC-5, SUP-5)
# ================================================================================================================

LETTER_ACTORS = actors(SHARING_DEPARTMENTS, ("applicant", "provider", "other"), ("recipient",))
FAKE_LETTER = b"%PDF-1.7\n% decision letter of the matrix\n%%EOF\n"


def _letters_world(*, render: bool):
    fuzhou = department("350100", "municipal", "福州市卫生健康委员会")
    approved = Scenario(fuzhou)
    partner, _admin = provider_institution("350102", name="合作研究所")
    recipient = make_user(partner.organisation, "submitter", full_name="周合作")
    # Named as the services name a recipient of another institution: the row and the object grant.
    Recipient.objects.create(application=approved.application, user=recipient)
    policy.grant(recipient, application_services.VIEW, approved.application)
    letter = letter_services.letter_issue(approved.application, kind="approval", by=approved.department_reviewer)
    if render:
        letter_services.letter_render(letter.pk)
    else:  # a stored file is enough to check who may download it (rendering is the letters tests' subject)
        letter.file.save("matrix.pdf", ContentFile(FAKE_LETTER), save=False)
        letter.status = DecisionLetter.Status.READY
        letter.save()
    letter.refresh_from_db()
    return {
        "provider_city": fuzhou, **other_departments(),
        "applicant": approved.applicant.organisation, "provider": approved.provider.organisation,
        "other": make_institution("350203", name="无关医院").organisation,
        "people": {"recipient": recipient}, "letter": letter, "approved": approved,
    }


@pytest.fixture(scope="module")
def letters_world(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, lambda: _letters_world(render=False)) as world:
        yield world


LETTER_SURFACES = {
    "page": lambda w: reverse("catalog:letter_download", args=[w["letter"].pk]),
    "api": lambda w: reverse("api:catalog-letter-download", args=[w["letter"].pk]),
}


@pytest.mark.parametrize("surface", list(LETTER_SURFACES))
@pytest.mark.parametrize("actor", LETTER_ACTORS, ids=actor_id)
def test_letter_download_matrix_SUP_5(client, letters_world, actor, surface):
    """The parties (applicant, providers, recipients, departments of either) download, audited; others 404."""
    user = sign_in(client, letters_world, actor)
    response = client.get(LETTER_SURFACES[surface](letters_world))
    kind = actor[0]
    expected = 302 if kind == "anonymous" else 200 if sees_application(actor) else 404
    assert response.status_code == (expected if surface == "page" else for_api(expected))
    records = AccessRecord.objects.filter(object_type="catalog.decisionletter",
                                          object_id=str(letters_world["letter"].pk))
    if expected == 200:
        assert b"".join(response.streaming_content) == FAKE_LETTER
        assert [(r.user, r.action) for r in records] == [(user, "download")]
    else:
        if surface == "page" and expected == 302:
            assert_login_redirect(response)
        assert not records.exists()


@pytest.mark.parametrize("actor", LETTER_ACTORS, ids=actor_id)
def test_letter_api_list_is_scoped(client, letters_world, actor):
    sign_in(client, letters_world, actor)
    response = client.get(reverse("api:catalog-letters"))
    if actor[0] == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert (letters_world["letter"].pk in _listed_ids(response)) == sees_application(actor)


@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_public_verification_shows_no_recipient_names_SVC_5(client, db, surface, who):
    """Anyone (signed in or not, party or not) verifies a letter; no person's name appears."""
    world = _letters_world(render=True)
    approved, letter = world["approved"], world["letter"]
    if who == "stranger":
        login_verified(client, make_user(world["other"], "submitter"))
    url = (reverse("catalog:verify_result", args=[letter.verification_code]) if surface == "page"
           else reverse("api:catalog-verify", args=[letter.verification_code]))
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert approved.application.number in body
    names = [person.full_name for person in (approved.applicant_admin, approved.co_applicant, world["people"]["recipient"],
                                             approved.provider_reviewer, approved.department_reviewer,
                                             approved.provider_admin)]
    assert all(name and name not in body for name in names), [name for name in names if name in body]
    assert not AccessRecord.objects.exists()  # verification reads no protected file on anyone's behalf
