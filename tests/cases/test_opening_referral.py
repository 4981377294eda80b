"""A finding referred by an inspection opens the accountability case (SUP-1 -> SUP-3): inside the referral's
transaction, one case per finding, with the finding's facts, article and severity; the referral is the
authority (an inspector holds no open_case)."""

import pytest
from django.urls import reverse

from apps.cases.models import Case, CaseOfficer
from apps.core import errors
from apps.inspections.models import Finding
from apps.inspections.services import referral
from tests.inspections.factories import make_finding, make_order
from tests.inspections.record_helpers import scene

pytestmark = pytest.mark.django_db
__all__ = ["scene"]  # fixture


def test_sup3_a_referral_opens_exactly_one_case_from_the_finding(scene):
    finding = make_finding(scene.inspection, severity="major", title="未开展备份恢复演练")
    make_order(finding)
    referral.finding_refer(finding=finding, note="多次整改不到位，建议立案。", by=scene.lead)  # an inspector
    case = Case.objects.get()
    assert (case.source, case.source_type, case.source_id) == ("finding", "inspections.finding", str(finding.pk))
    assert (case.severity, case.articles, case.status) == ("serious", ["M.18"], "registered")
    assert (case.institution, case.department, case.opened_by) == (scene.institution, scene.fuzhou, scene.lead)
    assert case.source_url == reverse("inspections:finding_detail", args=[finding.pk])
    assert case.source_reference == f"{scene.inspection.number} F{finding.number}"
    assert "未开展备份恢复演练" in case.facts and "多次整改不到位，建议立案。" in case.facts
    assert case.title == "未开展备份恢复演练"
    assert not CaseOfficer.objects.filter(case=case).exists()  # an inspector is not a case officer
    with pytest.raises(errors.TransitionNotAllowed):
        referral.finding_refer(finding=finding, note="again", by=scene.head)  # refused by the inspections service
    assert Case.objects.count() == 1


@pytest.mark.parametrize(("severity", "article", "expected"), [
    ("critical", "M.25", ("grave", ["M.25"])),
    ("minor", "SEC-2 6.1", ("minor", ["M.17"])),  # not an article of the Measures: the security duty of Art. 17
])
def test_sup3_severity_and_article_follow_the_finding(scene, severity, article, expected):
    finding = make_finding(scene.inspection, severity=severity)
    Finding.objects.filter(pk=finding.pk).update(article=article)
    finding.refresh_from_db()
    make_order(finding)
    referral.finding_refer(finding=finding, note="理由", by=scene.head)
    case = Case.objects.get()
    assert (case.severity, case.articles) == expected


def test_sup3_a_case_that_cannot_be_opened_rolls_the_referral_back(scene, monkeypatch):
    finding = make_finding(scene.inspection)
    make_order(finding)
    from apps.cases.services import opening

    def refuse(**kwargs):
        raise errors.ValidationFailed("no department")

    monkeypatch.setattr(opening, "case_open_from_finding", refuse)
    with pytest.raises(errors.ValidationFailed):
        referral.finding_refer(finding=finding, note="理由", by=scene.head)
    finding.refresh_from_db()
    assert finding.status == "confirmed" and not Case.objects.exists()
