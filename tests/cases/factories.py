"""Case records for tests, written directly (tests of a workflow move records through the services).

`scene()` builds the usual cast: the Fujian provincial department (the higher department), the Fuzhou
municipal department handling the cases, an institution in Gulou (350102) with its people, another
institution (a third party), and department users by role. `make_case(scene, status=...)` writes a case as
far as `status` with the rows that stage implies (officer grant, notice, decision with measures)."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from django.utils import timezone

from apps.cases.models import Case, CaseMeasure, CaseOfficer, Decision, Notice
from apps.cases.workflows import HANDLE
from apps.core import policy
from apps.core.verification import new_code
from tests.conftest import make_user
from tests.factories import department
from tests.institutions.factories import make_institution

_serial = itertools.count(1)


@dataclass
class Scene:
    national: object
    province: object
    city: object
    other_city: object
    institution: object
    other_institution: object
    head: object  # Fuzhou department head: decides Fuzhou's cases
    officer: object  # Fuzhou case officer (assigned by make_case)
    officer2: object  # Fuzhou case officer, not assigned
    inspector: object
    province_head: object  # reviews appeals against Fuzhou's decisions
    province_officer: object
    other_city_head: object  # Xiamen: outside the institution's jurisdiction
    national_head: object
    admin: object  # institution_admin of the institution
    top_leader: object
    security_officer: object
    steward: object  # data_steward: no case permission
    other_admin: object  # institution_admin of the other institution (third party)


def scene() -> Scene:
    national = department(None, "national", "国家卫生健康委员会")
    province = department("350000", "provincial", "福建省卫生健康委员会")
    city = department("350100", "municipal", "福州市卫生健康委员会")
    other_city = department("350200", "municipal", "厦门市卫生健康委员会")
    institution = make_institution("350102")
    other = make_institution("350102")
    org, other_org = institution.organisation, other.organisation
    return Scene(
        national=national, province=province, city=city, other_city=other_city, institution=institution,
        other_institution=other,
        head=make_user(city, "department_head"), officer=make_user(city, "case_officer"),
        officer2=make_user(city, "case_officer"), inspector=make_user(city, "inspector"),
        province_head=make_user(province, "department_head"), province_officer=make_user(province, "case_officer"),
        other_city_head=make_user(other_city, "department_head"), national_head=make_user(national, "department_head"),
        admin=make_user(org, "institution_admin"), top_leader=make_user(org, "top_leader"),
        security_officer=make_user(org, "security_officer"), steward=make_user(org, "data_steward"),
        other_admin=make_user(other_org, "institution_admin"),
    )


STAGES = ["registered", "investigating", "notified", "decided"]


def make_case(s: Scene, *, status: str = "registered", severity: str = "serious", measures=("interview",),
              deadline_days: int = 10, disclosed: bool = False, **fields) -> Case:
    """A case of `s.city` against `s.institution` written up to `status` (registered, investigating,
    notified, decided); `s.officer` is its assigned lead officer. The notice's defence deadline is
    `deadline_days` from today (negative: already passed)."""
    number = next(_serial)
    now = timezone.now()
    reached = STAGES.index(status) if status in STAGES else len(STAGES)
    case = Case.objects.create(
        number=f"AJ{now.year}-TEST-{number:05d}", department=s.city, institution=s.institution,
        region_id=s.institution.region_id, title=fields.pop("title", f"测试案件{number}"),
        source=fields.pop("source", Case.Source.INITIATIVE), facts=fields.pop("facts", "未按规定备份重要数据。"),
        articles=fields.pop("articles", ["M.18"]), severity=severity, opened_by=s.head, status=status,
        investigation_started_at=now if reached >= 1 else None, notified_at=now if reached >= 2 else None,
        decided_at=now if reached >= 3 else None, **fields)
    CaseOfficer.objects.create(case=case, user=s.officer, is_lead=True, assigned_by=s.head)
    policy.grant(s.officer, HANDLE, case)
    if reached >= 2:
        notice = Notice.objects.create(
            case=case, facts=case.facts, articles=case.articles, severity=severity,
            proposed_measures=[{"measure": m, "details": ""} for m in measures],
            defence_deadline=timezone.localdate() + datetime.timedelta(days=deadline_days), issued_by=s.officer)
    if reached >= 3:
        decision = Decision.objects.create(
            case=case, notice=notice, number=f"JD{now.year}-TEST-{number:05d}", department=s.city,
            severity=severity, articles=case.articles, facts=case.facts, reasoning="事实清楚。",
            decided_by=s.head, appeal_until=timezone.localdate() + datetime.timedelta(days=60),
            verification_code=new_code(), disclosed=disclosed,
            public_summary="未按规定备份重要数据，予以约谈。" if disclosed else "")
        for kind in measures:
            CaseMeasure.objects.create(decision=decision, case=case, kind=kind)
    return case
