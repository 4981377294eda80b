"""The on-site record (SUP-1, SUP-2): starting, per-item results, evidence; every refusal leaves nothing saved."""

import pytest

from apps.core import errors
from apps.inspections.models import Evidence, Inspection, ItemResult
from apps.inspections.services import inspections as services
from tests.inspections.factories import make_checklist, make_inspection

from . import record_helpers
from .record_helpers import exe_as_png, pdf, png, stored_files

pytestmark = pytest.mark.django_db
media = record_helpers.media  # fixture
scene = record_helpers.scene  # fixture


def test_sup1_team_member_starts_a_planned_inspection(scene):
    inspection = make_inspection(scene.plan, scene.institution, team=[scene.lead])
    services.inspection_start(inspection=inspection, by=scene.lead)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS and inspection.started_at is not None
    assert inspection.history.first().history_user == scene.lead


def test_sup1_start_is_refused_to_someone_not_on_the_team(scene):
    inspection = make_inspection(scene.plan, scene.institution, team=[scene.lead])
    with pytest.raises(errors.PermissionDenied):
        services.inspection_start(inspection=inspection, by=scene.outsider)  # same department: 403
    with pytest.raises(errors.NotFound):
        services.inspection_start(inspection=inspection, by=scene.xiamen_inspector)  # other jurisdiction: 404
    with pytest.raises(errors.NotFound):
        services.inspection_start(inspection=inspection, by=scene.admin)  # the institution: 404
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PLANNED


def test_sup1_an_inspection_on_site_cannot_be_started_again(scene):
    with pytest.raises(errors.TransitionNotAllowed):
        services.inspection_start(inspection=scene.inspection, by=scene.lead)


def test_sup1_item_result_is_created_then_updated_one_item_at_a_time(scene):
    first, second = scene.items[0], scene.items[1]
    services.item_result_record(inspection=scene.inspection, item=first, result="compliant", notes="", by=scene.lead)
    services.item_result_record(inspection=scene.inspection, item=second, result="minor_nc", notes="缺记录",
                                by=scene.member)
    row = services.item_result_record(inspection=scene.inspection, item=first, result="major_nc",
                                      notes="无备份演练", by=scene.member)
    assert ItemResult.objects.filter(inspection=scene.inspection).count() == 2
    row.refresh_from_db()
    assert (row.result, row.notes, row.recorded_by) == ("major_nc", "无备份演练", scene.member)
    assert ItemResult.objects.get(item=second).result == "minor_nc"  # the other item is untouched


def test_sup1_item_of_another_checklist_is_refused(scene):
    foreign = make_checklist(1).items.get()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.item_result_record(inspection=scene.inspection, item=foreign, result="compliant", notes="",
                                    by=scene.lead)
    assert "item" in caught.value.field_errors and not ItemResult.objects.exists()


def test_sup1_unknown_result_is_refused(scene):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="great", notes="",
                                    by=scene.lead)
    assert "result" in caught.value.field_errors and not ItemResult.objects.exists()


def test_sup1_results_are_recorded_only_by_the_team(scene):
    with pytest.raises(errors.PermissionDenied):
        services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="compliant",
                                    notes="", by=scene.head)  # the head sees it but is not on the team
    with pytest.raises(errors.NotFound):
        services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="compliant",
                                    notes="", by=scene.xiamen_inspector)
    assert not ItemResult.objects.exists()


@pytest.mark.parametrize("status", [Inspection.Status.CLOSED, Inspection.Status.CANCELLED])
def test_sup1_editing_a_closed_inspection_is_refused_with_a_clear_message(scene, status):
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=status)
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.item_result_record(inspection=scene.inspection, item=scene.items[0], result="compliant",
                                    notes="", by=scene.lead)
    assert "closed inspection" in str(caught.value.message)
    with pytest.raises(errors.TransitionNotAllowed):
        services.finding_add(inspection=scene.inspection, by=scene.lead, severity="minor", title="x",
                             description="y", article="M.18")
    with pytest.raises(errors.TransitionNotAllowed):
        services.evidence_add(inspection=scene.inspection, upload=png(), by=scene.lead)
    assert not ItemResult.objects.exists() and not Evidence.objects.exists()


def test_sup1_results_wait_for_the_start_on_site(scene):
    planned = make_inspection(scene.plan, scene.institution, team=[scene.lead])
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        services.item_result_record(inspection=planned, item=scene.items[0], result="compliant", notes="",
                                    by=scene.lead)
    assert "Start the inspection" in str(caught.value.message)


def test_sup1_evidence_is_stored_under_its_hash(scene, media):
    evidence = services.evidence_add(inspection=scene.inspection, upload=png("现场照片.png"), item=scene.items[0],
                                     caption="机房门禁", by=scene.lead)
    assert evidence.content_type == "image/png" and evidence.original_name == "现场照片.png"
    assert evidence.file.name.endswith(evidence.sha256[:32] + ".png") and len(stored_files(media)) == 1
    assert evidence.item == scene.items[0] and evidence.caption == "机房门禁"


def test_sup1_an_executable_renamed_png_is_refused_and_nothing_is_stored(scene, media):
    with pytest.raises(errors.ValidationFailed) as caught:
        services.evidence_add(inspection=scene.inspection, upload=exe_as_png(), by=scene.lead)
    assert "not a PDF, PNG or JPEG" in caught.value.field_errors["file"][0]
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_sup1_evidence_over_10_mb_is_refused(scene, media, settings):
    settings.INSTITUTION_DOCUMENT_MAX_BYTES = 100
    with pytest.raises(errors.ValidationFailed) as caught:
        services.evidence_add(inspection=scene.inspection, upload=png("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200),
                              by=scene.lead)
    assert "largest accepted" in caught.value.field_errors["file"][0]
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_sup1_evidence_for_an_item_of_another_checklist_is_refused(scene, media):
    foreign = make_checklist(1).items.get()
    with pytest.raises(errors.ValidationFailed) as caught:
        services.evidence_add(inspection=scene.inspection, upload=png(), item=foreign, by=scene.lead)
    assert "item" in caught.value.field_errors and stored_files(media) == []


def test_sup1_evidence_is_removed_only_while_open(scene, media, django_capture_on_commit_callbacks):
    evidence = services.evidence_add(inspection=scene.inspection, upload=pdf(), by=scene.lead)
    with pytest.raises(errors.PermissionDenied):
        services.evidence_remove(evidence=evidence, by=scene.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=evidence, by=scene.member)
    assert not Evidence.objects.exists() and stored_files(media) == []
    kept = services.evidence_add(inspection=scene.inspection, upload=pdf(), by=scene.lead)
    Inspection.objects.filter(pk=scene.inspection.pk).update(status=Inspection.Status.CLOSED)
    with pytest.raises(errors.TransitionNotAllowed):
        services.evidence_remove(evidence=kept, by=scene.lead)
    assert Evidence.objects.filter(pk=kept.pk).exists()


def test_sup1_item_form_with_a_bad_file_saves_neither_result_nor_file(scene, media):
    with pytest.raises(errors.ValidationFailed):
        services.item_record(inspection=scene.inspection, item=scene.items[0], result="major_nc", notes="n",
                             upload=exe_as_png(), by=scene.lead)
    assert not ItemResult.objects.exists() and stored_files(media) == []
    services.item_record(inspection=scene.inspection, item=scene.items[0], result="major_nc", notes="n",
                         upload=png(), caption="照片", by=scene.lead)
    assert ItemResult.objects.count() == 1 and Evidence.objects.get().item == scene.items[0]
