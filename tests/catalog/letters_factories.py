"""Decided applications, their routes and grants for the letter, register and dashboard tests, written directly
(the routing and grant services are tested by their own areas)."""

import datetime
import itertools

from django.utils import timezone

from apps.catalog.models import DataGrant, GrantReport, RouteRule, RouteStep, SharingApplication
from tests.catalog.factories import make_application, make_resource, provider_institution
from tests.conftest import make_user

_serial = itertools.count(1)
A = SharingApplication.Status
S = RouteStep.Status

APPROVAL_CONDITIONS = "仅限在院内安全环境中分析，不得向第三方提供。"
MUNICIPAL_CONDITIONS = "每季度报告数据使用情况。"
REFUSAL_REASON = "申请用途与所申请字段不相符，个人信息字段缺乏必要性说明。"


def route_rule() -> RouteRule:
    serial = next(_serial)
    return RouteRule.objects.create(priority=900 + serial, name=f"测试规则{serial}", min_level=1, max_level=5,
                                    steps=["provider", "provider_municipal"])


def make_step(application, organisation, *, order: int, kind: str = "provider", status: str = S.ACTIVE,
              rule=None, due_on=None, conditions: str = "", comment: str = "", decided_by=None,
              decided_at=None) -> RouteStep:
    return RouteStep.objects.create(
        application=application, round=application.round or 1, order=order, kind=kind, organisation=organisation,
        rule=rule or route_rule(), status=status, activated_at=timezone.now(),
        due_on=due_on if due_on is not None else timezone.localdate() + datetime.timedelta(days=10),
        conditions=conditions, decision_comment=comment, decided_by=decided_by,
        decided_at=decided_at or (timezone.now() if status not in (S.ACTIVE, S.WAITING) else None))


def make_grant(application, *, status: str = DataGrant.Status.ACTIVE, starts_on=None, ends_on=None,
               created_at=None, destruction_due_on=None, recipients=()) -> DataGrant:
    today = timezone.localdate()
    grant = DataGrant.objects.create(
        number=f"SG-TEST-{next(_serial):06d}", application=application, applicant=application.applicant,
        applicant_region=application.applicant_region, status=status, starts_on=starts_on or today,
        ends_on=ends_on or today + datetime.timedelta(days=365), conditions=APPROVAL_CONDITIONS,
        created_at=created_at or timezone.now(), destruction_due_on=destruction_due_on)
    grant.recipients.set(list(recipients) or [r.user for r in application.recipients.all()])
    return grant


def make_report(grant, *, due_on, status: str = GrantReport.Status.DUE, kind: str = GrantReport.Kind.PROGRESS):
    return GrantReport.objects.create(grant=grant, kind=kind, due_on=due_on, status=status)


class Scenario:
    """Provider in Gulou (350102, Fuzhou), applicant in Xiamen's district 350203, Fuzhou's department on the route."""

    def __init__(self, fuzhou, *, kind: str = "approval"):
        self.provider, self.provider_admin = provider_institution("350102", name="福州市鼓楼区测试数据医院")
        self.resource = make_resource(self.provider.organisation, by=self.provider_admin,
                                      fields=[("患者姓名", 4, True), ("诊断编码", 3, False), ("就诊日期", 2, False)])
        self.applicant, self.applicant_admin = provider_institution("350203", name="厦门市测试研究医院")
        self.co_applicant = make_user(self.applicant.organisation, "submitter", full_name="李四研究员")
        self.application = make_application(
            self.applicant.organisation, [(self.resource, ["诊断编码", "就诊日期"])], by=self.applicant_admin,
            recipients=[self.co_applicant], status=A.IN_REVIEW, title="门诊质量回顾性研究", purpose="评估门诊服务质量与诊断一致性",
            round=1, level=3, submitted_at=timezone.now() - datetime.timedelta(days=20))
        self.fuzhou = fuzhou
        self.provider_reviewer = make_user(self.provider.organisation, "data_steward", full_name="王审核")
        self.department_reviewer = make_user(fuzhou, "reviewer", full_name="赵审核")
        rule = route_rule()
        self.provider_step = make_step(self.application, self.provider.organisation, order=1, rule=rule,
                                       status=S.APPROVED_WITH_CONDITIONS, conditions=APPROVAL_CONDITIONS,
                                       decided_by=self.provider_reviewer)
        if kind == "approval":
            self.department_step = make_step(self.application, fuzhou, order=2, kind="provider_municipal", rule=rule,
                                             status=S.APPROVED_WITH_CONDITIONS, conditions=MUNICIPAL_CONDITIONS,
                                             decided_by=self.department_reviewer)
            self.decide(A.APPROVED)
            self.grant = make_grant(self.application)
        else:
            self.department_step = make_step(self.application, fuzhou, order=2, kind="provider_municipal", rule=rule,
                                             status=S.REFUSED, comment=REFUSAL_REASON,
                                             decided_by=self.department_reviewer)
            self.decide(A.REFUSED, refusal_reason=REFUSAL_REASON)
            self.grant = None

    def decide(self, status, **fields):
        self.application.status = status
        self.application.decided_at = timezone.now()
        for name, value in fields.items():
            setattr(self.application, name, value)
        self.application.save()
