"""Change of responsible entity (INS-6, M.34): every service path and each refusal."""

import pytest

from apps.accounts.models import User
from apps.core import errors, policy
from apps.institutions import transfers
from apps.institutions.models import (
    Document,
    Entrustment,
    Institution,
    ProfileChange,
    ResponsibilityTransfer,
    TransferItem,
)
from apps.institutions.services import profile_change as change_services
from apps.institutions.services import transfer as transfer_services
from apps.institutions.services.registry import institution_set_status
from apps.notifications.models import Notification
from tests.conftest import make_user
from tests.institutions import transfer_helpers
from tests.institutions.factories import make_institution
from tests.institutions.transfer_helpers import entrust, store_document

pytestmark = pytest.mark.django_db

# Shared fixtures (tests/institutions/transfer_helpers.py), bound here so pytest finds them.
dept = transfer_helpers.dept
outsider = transfer_helpers.outsider
provider = transfer_helpers.provider
provider_admin = transfer_helpers.provider_admin
source = transfer_helpers.source
source_admin = transfer_helpers.source_admin
successor = transfer_helpers.successor
successor_admin = transfer_helpers.successor_admin
T = ResponsibilityTransfer
FAKE_KIND = "tests.fakething"


def open_transfer(source, successor, by, reason="merger"):
    return transfer_services.transfer_open(source=source, successor=successor, reason=reason,
                                           description="依据区政府批复，甲医院并入乙医院。", by=by)


def through_confirmation(transfer, *confirmers, dept):
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    for person in confirmers:
        transfer = transfer_services.transfer_confirm(transfer=transfer, by=person)
    return transfer


def fresh(user):
    return User.objects.select_related("organisation").get(pk=user.pk)


@pytest.fixture
def holdings(source, source_admin, provider, provider_admin):
    """What the source holds: a security document, an agreement (with its own document) and its licence."""
    document = store_document(source, source_admin)
    entrustment = entrust(source, provider, source_admin)
    licence = store_document(source, source_admin, kind="licence", name="执业许可证.pdf")
    return {"document": document, "entrustment": entrustment, "licence": licence}


@pytest.fixture
def fake_kind(source):
    """A kind another app would register (the catalog's data resources), held in memory by the test."""
    held = {source.pk: {"r1": "门诊数据集", "r2": "住院数据集"}}
    moved = []

    def list_for(institution):
        return sorted(held.get(institution.pk, {}).items())

    def move(object_ids, source_, successor_, by):
        for object_id in object_ids:
            label = held[source_.pk].pop(object_id)
            if successor_ is not None:
                held.setdefault(successor_.pk, {})[object_id] = label
        moved.append((list(object_ids), successor_, by))

    transfers.register_transferable(FAKE_KIND, label="Data resources (test)", list_for=list_for, move=move)
    yield {"held": held, "moved": moved}
    transfers.unregister_transferable(FAKE_KIND)


# --- the full flow -------------------------------------------------------------------------------------


def test_full_transfer_leaves_the_source_owning_nothing_INS_6(
        dept, source, successor, source_admin, successor_admin, holdings, fake_kind,
        django_capture_on_commit_callbacks):
    transfer = open_transfer(source, successor, dept)
    listed = set(transfer.items.values_list("kind", "object_id"))
    assert (transfers.DOCUMENT_KIND, str(holdings["document"].pk)) in listed
    assert (transfers.DOCUMENT_KIND, str(holdings["entrustment"].agreement_id)) in listed
    assert (transfers.ENTRUSTMENT_KIND, str(holdings["entrustment"].pk)) in listed
    assert {(FAKE_KIND, "r1"), (FAKE_KIND, "r2")} <= listed
    # The old entity's own licence is the department's record about it: it is not on the list.
    assert (transfers.DOCUMENT_KIND, str(holdings["licence"].pk)) not in listed

    transfer = through_confirmation(transfer, source_admin, dept=dept)
    assert transfer.status == T.Status.AWAITING_CONFIRMATION and transfer.source_confirmed_by == source_admin
    transfer = transfer_services.transfer_confirm(transfer=transfer, by=successor_admin)
    assert transfer.status == T.Status.CONFIRMED and transfer.successor_confirmed_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfer_services.transfer_close(transfer=transfer, by=dept)

    assert transfer.status == T.Status.CLOSED and transfer.closed_by == dept
    assert not transfer.items.filter(moved_at__isnull=True).exists()
    assert Document.objects.get(pk=holdings["document"].pk).institution_id == successor.pk
    entrustment = Entrustment.objects.get(pk=holdings["entrustment"].pk)
    assert entrustment.institution_id == successor.pk and entrustment.status == Entrustment.Status.ACTIVE
    assert entrustment.history.first().history_user == dept
    assert sorted(fake_kind["held"][successor.pk]) == ["r1", "r2"] and not fake_kind["held"][source.pk]
    assert fake_kind["moved"][0][1] == successor and fake_kind["moved"][0][2] == dept
    assert transfer_services.transfer_left_behind(Institution.objects.get(pk=source.pk)) == []

    closed = Institution.objects.select_related("organisation").get(pk=source.pk)
    assert closed.status == Institution.Status.CLOSED and not closed.organisation.is_active
    assert "BG" in closed.history.first().history_change_reason
    former_admin = fresh(source_admin)
    for model in (Institution, Document, Entrustment, ResponsibilityTransfer):
        assert not policy.visible(former_admin, model).exists(), model
    # The department still reads the closed entity's record, the successor what it took over.
    assert policy.visible(dept, Document.objects.filter(pk=holdings["licence"].pk)).exists()
    assert policy.visible(fresh(successor_admin), Document.objects.filter(pk=holdings["document"].pk)).exists()
    told = set(Notification.objects.filter(title__contains=transfer.number).values_list("recipient", flat=True))
    assert {source_admin.pk, successor_admin.pk, dept.pk} <= told


def test_to_the_department_ends_agreements_and_keeps_documents_in_custody_INS_6(
        dept, source, source_admin, provider_admin, holdings, django_capture_on_commit_callbacks):
    transfer = open_transfer(source, None, dept, reason="closure")
    transfer = through_confirmation(transfer, source_admin, dept=dept)
    assert transfer.status == T.Status.CONFIRMED  # no successor: the source's confirmation suffices
    with django_capture_on_commit_callbacks(execute=True):
        transfer_services.transfer_close(transfer=transfer, by=dept)
    assert Notification.objects.filter(recipient=provider_admin, body__contains=source.name).exists()
    entrustment = Entrustment.objects.get(pk=holdings["entrustment"].pk)
    assert entrustment.status == Entrustment.Status.ENDED and source.name in entrustment.ended_reason
    document = Document.objects.get(pk=holdings["document"].pk)
    assert document.institution_id == source.pk  # kept on the closed record
    assert policy.visible(dept, Document.objects.filter(pk=document.pk)).exists()
    assert not policy.visible(fresh(source_admin), Document).exists()
    assert transfer_services.transfer_left_behind(Institution.objects.get(pk=source.pk)) == []
    assert Institution.objects.get(pk=source.pk).status == Institution.Status.CLOSED


def test_a_provider_that_merges_hands_its_agreements_to_the_successor_INS_6_INS_7(
        dept, source, source_admin, provider, provider_admin):
    entrustment = entrust(source, provider, source_admin)
    new_provider = make_institution("350102", type="data_service", hospital_grade="")
    new_admin = make_user(new_provider.organisation, "institution_admin")
    transfer = open_transfer(provider, new_provider, dept)
    through_confirmation(transfer, provider_admin, new_admin, dept=dept)
    transfer_services.transfer_close(transfer=transfer, by=dept)
    entrustment.refresh_from_db()
    assert entrustment.provider_id == new_provider.pk and entrustment.institution_id == source.pk
    assert entrustment.status == Entrustment.Status.ACTIVE


def test_an_agreement_between_the_source_and_its_successor_ends_INS_6(dept, source, source_admin, provider,
                                                                     provider_admin):
    entrustment = entrust(source, provider, source_admin)
    transfer = open_transfer(source, provider, dept)
    through_confirmation(transfer, source_admin, provider_admin, dept=dept)
    transfer_services.transfer_close(transfer=transfer, by=dept)
    entrustment.refresh_from_db()
    assert entrustment.status == Entrustment.Status.ENDED and entrustment.institution_id == source.pk


def test_closing_rejects_the_sources_open_profile_change(dept, source, successor, source_admin, successor_admin):
    change = change_services.profile_change_propose(institution=source, changes={"address": "新地址1号"},
                                                    reason="搬迁", by=source_admin)
    transfer = through_confirmation(open_transfer(source, successor, dept), source_admin, successor_admin, dept=dept)
    transfer_services.transfer_close(transfer=transfer, by=dept)
    change.refresh_from_db()
    assert change.status == ProfileChange.Status.REJECTED and transfer.number in change.decision_comment


def test_submit_tells_both_sides_and_takes_the_list_afresh(dept, source, successor, source_admin, successor_admin,
                                                           django_capture_on_commit_callbacks):
    transfer = open_transfer(source, successor, dept)
    assert not transfer.items.exists()
    document = store_document(source, source_admin)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_services.transfer_submit(transfer=transfer, by=dept)
    assert list(transfer.items.values_list("object_id", flat=True)) == [str(document.pk)]
    told = Notification.objects.filter(title__contains=transfer.number)
    assert set(told.values_list("recipient", flat=True)) == {source_admin.pk, successor_admin.pk}


def test_refresh_retakes_the_list_while_draft_only(dept, source, successor, source_admin):
    transfer = open_transfer(source, successor, dept)
    store_document(source, source_admin)
    assert len(transfer_services.transfer_refresh_items(transfer=transfer, by=dept)) == 1
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    with pytest.raises(errors.TransitionNotAllowed):
        transfer_services.transfer_refresh_items(transfer=transfer, by=dept)


# --- refusals ------------------------------------------------------------------------------------------


def test_institution_users_cannot_open_transfers(source, successor, source_admin):
    with pytest.raises(errors.PermissionDenied):
        open_transfer(source, successor, source_admin)
    assert not T.objects.exists()


def test_other_jurisdiction_cannot_open_or_act(dept, outsider, source, successor, source_admin):
    with pytest.raises(errors.NotFound):
        open_transfer(source, successor, outsider)
    transfer = open_transfer(source, successor, dept)
    for step in (transfer_services.transfer_submit, transfer_services.transfer_refresh_items):
        with pytest.raises(errors.NotFound):
            step(transfer=transfer, by=outsider)
    with pytest.raises(errors.NotFound):
        transfer_services.transfer_cancel(transfer=transfer, reason="x", by=outsider)


@pytest.mark.parametrize("case", ["self", "not_admitted", "outside", "handing_over", "bad_reason"])
def test_open_refuses_bad_successors_and_reasons(case, dept, source, successor):
    reason = "merger"
    if case == "self":
        successor = source
    elif case == "not_admitted":
        successor = make_institution("350102", status=Institution.Status.SUSPENDED)
    elif case == "outside":
        successor = make_institution("350203")
    elif case == "handing_over":
        open_transfer(successor, None, dept, reason="closure")
    else:
        reason = "bankruptcy"
    before = (T.objects.count(), TransferItem.objects.count())
    with pytest.raises(errors.ValidationFailed) as refused:
        open_transfer(source, successor, dept, reason=reason)
    assert set(refused.value.field_errors) == ({"reason"} if case == "bad_reason" else {"successor"})
    assert (T.objects.count(), TransferItem.objects.count()) == before


def test_one_open_transfer_per_source(dept, source, successor):
    first = open_transfer(source, successor, dept)
    with pytest.raises(errors.ValidationFailed) as refused:
        open_transfer(source, None, dept, reason="closure")
    assert first.number in refused.value.field_errors["source"][0]


def test_a_closed_source_cannot_hand_over_again(dept, source, successor):
    institution_set_status(institution=source, status=Institution.Status.CLOSED, by=dept, reason="test")
    with pytest.raises(errors.ValidationFailed) as refused:
        open_transfer(source, successor, dept)
    assert "source" in refused.value.field_errors


def test_a_revoked_source_still_hands_over_what_it_holds_INS_6(dept, source, successor):
    institution_set_status(institution=source, status=Institution.Status.REVOKED, by=dept, reason="test")
    assert open_transfer(source, successor, dept).status == "draft"


def test_closing_before_confirmation_is_refused(dept, source, successor, source_admin):
    transfer = open_transfer(source, successor, dept)
    with pytest.raises(errors.TransitionNotAllowed):
        transfer_services.transfer_close(transfer=transfer, by=dept)
    transfer = through_confirmation(transfer, source_admin, dept=dept)  # successor has not confirmed yet
    with pytest.raises(errors.TransitionNotAllowed):
        transfer_services.transfer_close(transfer=transfer, by=dept)
    assert Institution.objects.get(pk=source.pk).status == Institution.Status.ADMITTED


def test_confirmations_by_the_wrong_side_are_refused(dept, source, successor, source_admin, successor_admin):
    transfer = open_transfer(source, successor, dept)
    with pytest.raises(errors.TransitionNotAllowed):  # not yet sent for confirmation
        transfer_services.transfer_confirm(transfer=transfer, by=source_admin)
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    third = make_user(make_institution("350102").organisation, "institution_admin")
    with pytest.raises(errors.NotFound):
        transfer_services.transfer_confirm(transfer=transfer, by=third)
    with pytest.raises(errors.PermissionDenied):  # the department does not confirm for a side
        transfer_services.transfer_confirm(transfer=transfer, by=dept)
    with pytest.raises(errors.PermissionDenied):  # a data steward of the source has no confirming role
        transfer_services.transfer_confirm(transfer=transfer, by=make_user(source.organisation, "data_steward"))
    transfer_services.transfer_confirm(transfer=transfer, by=source_admin)
    with pytest.raises(errors.TransitionNotAllowed):  # one side cannot confirm twice (or for the other)
        transfer_services.transfer_confirm(transfer=transfer, by=make_user(source.organisation, "top_leader"))
    transfer.refresh_from_db()
    assert transfer.status == T.Status.AWAITING_CONFIRMATION and transfer.successor_confirmed_at is None


def test_something_acquired_after_confirmation_blocks_the_close_and_rolls_back(
        dept, source, successor, source_admin, successor_admin, holdings):
    transfer = through_confirmation(open_transfer(source, successor, dept), source_admin, successor_admin, dept=dept)
    late = store_document(source, source_admin, name="后补材料.pdf")
    with pytest.raises(errors.ValidationFailed) as refused:
        transfer_services.transfer_close(transfer=transfer, by=dept)
    assert "后补材料.pdf" in str(refused.value.message)
    transfer.refresh_from_db()
    assert transfer.status == T.Status.CONFIRMED and not transfer.items.filter(moved_at__isnull=False).exists()
    assert Document.objects.get(pk=holdings["document"].pk).institution_id == source.pk
    assert Entrustment.objects.get(pk=holdings["entrustment"].pk).institution_id == source.pk
    assert Institution.objects.get(pk=source.pk).status == Institution.Status.ADMITTED
    assert late.pk not in set(transfer.items.values_list("object_id", flat=True))
    # The way out: cancel the confirmed record and open a new one.
    transfer_services.transfer_cancel(transfer=transfer, reason="清单不完整，重新发起", by=dept)
    assert open_transfer(source, successor, dept).items.filter(object_id=str(late.pk)).exists()


def test_a_kind_whose_move_does_not_take_rolls_everything_back(dept, source, successor, source_admin,
                                                               successor_admin, holdings):
    transfers.register_transferable("tests.stuck", label="Stuck", list_for=lambda inst: (
        [("s1", "无法迁移的记录")] if inst.pk == source.pk else []), move=lambda *args: None)
    try:
        transfer = through_confirmation(open_transfer(source, successor, dept), source_admin, successor_admin,
                                        dept=dept)
        with pytest.raises(errors.ValidationFailed):
            transfer_services.transfer_close(transfer=transfer, by=dept)
    finally:
        transfers.unregister_transferable("tests.stuck")
    assert Document.objects.get(pk=holdings["document"].pk).institution_id == source.pk
    assert Institution.objects.get(pk=source.pk).status == Institution.Status.ADMITTED


def test_cancel_needs_a_reason_and_ends_the_record(dept, source, successor, source_admin, successor_admin,
                                                   django_capture_on_commit_callbacks):
    transfer = open_transfer(source, successor, dept)
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    with pytest.raises(errors.ValidationFailed):
        transfer_services.transfer_cancel(transfer=transfer, reason="  ", by=dept)
    with pytest.raises(errors.PermissionDenied):
        transfer_services.transfer_cancel(transfer=transfer, reason="不合并了", by=source_admin)
    with django_capture_on_commit_callbacks(execute=True):
        transfer = transfer_services.transfer_cancel(transfer=transfer, reason="区政府撤回合并决定", by=dept)
    assert transfer.status == T.Status.CANCELLED
    assert Notification.objects.filter(recipient=source_admin, body__contains="区政府撤回合并决定").exists()
    with pytest.raises(errors.TransitionNotAllowed):
        transfer_services.transfer_close(transfer=transfer, by=dept)


def test_drafts_are_the_departments_own(dept, source, successor, source_admin):
    transfer = open_transfer(source, successor, dept)
    assert not transfer_services.transfers_for(source_admin).exists()
    assert transfer_services.transfers_for(dept).get() == transfer
    transfer_services.transfer_submit(transfer=transfer, by=dept)
    assert transfer_services.transfers_for(source_admin).get() == transfer
