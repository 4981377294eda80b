"""Demo data: Fujian (35) with departments at every level, a few hundred institutions, one account per role.

Idempotent: run it as often as you like; existing rows are kept, missing ones added. Every account's
password is DEMO_PASSWORD; none has a second factor yet, so the first sign-in enrols one.
"""

import hashlib

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string
from stdnum.cn import ric, uscc

from apps.accounts.models import Organisation, User
from apps.accounts.roles import ROLES
from apps.accounts.services import organisation_jurisdiction
from apps.core.history import acting_as
from apps.regions.models import Region

DEMO_PASSWORD = "Demo-Portal-2026!"  # noqa: S105 - published demo credential, local data only
PROVINCE = "350000"

# (username, role, full name, organisation key)
DEMO_ACCOUNTS = [
    ("demo_national", "department_head", "国家卫生健康委 演示处长", "national"),
    ("demo_dept_admin", "department_admin", "林晓东", "province"),
    ("demo_reviewer", "reviewer", "陈静", "province"),
    ("demo_inspector", "inspector", "黄志强", "province"),
    ("demo_case_officer", "case_officer", "吴敏", "province"),
    ("demo_standards", "standards_officer", "郑海燕", "province"),
    ("demo_head", "department_head", "王建国", "province"),
    ("demo_auditor", "auditor", "刘洋", "province"),
    ("demo_city_reviewer", "reviewer", "张丽", "city"),
    ("demo_county_reviewer", "reviewer", "杨帆", "county"),
    ("demo_inst_admin", "institution_admin", "许文华", "hospital"),
    ("demo_top_leader", "top_leader", "蔡国平", "hospital"),
    ("demo_security_officer", "security_officer", "何俊", "hospital"),
    ("demo_data_steward", "data_steward", "高雅", "hospital"),
    ("demo_submitter", "submitter", "罗斌", "hospital"),
    ("demo_provider_admin", "institution_admin", "邱明", "provider"),
]

# Other apps' demo data, in order; each is `seed(admin) -> str` (a summary) and idempotent.
DEMO_STEPS = ["apps.institutions.demo.seed", "apps.standards.demo.seed", "apps.catalog.demo.seed",
              "apps.inspections.demo.seed", "apps.cases.demo.seed"]

COUNTY_INSTITUTIONS = ["人民医院", "中医院", "妇幼保健院", "疾病预防控制中心"]
CITY_INSTITUTIONS = ["第一医院", "第二医院", "传染病医院"]
PROVIDERS = ["福建省健康医疗大数据运营有限公司", "福州数字健康科技有限公司", "厦门医疗云服务有限公司"]


def _organisation_code(seed: str) -> str:
    """A GB 11714 organisation code (8 characters + check) derived from `seed`, stable across runs."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:8]
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    remainder = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return digits + {10: "X", 11: "0"}.get(remainder, str(remainder))


def demo_credit_code(seed: str, region_code: str, *, enterprise: bool = False) -> str:
    head = ("91" if enterprise else "12") + region_code + _organisation_code(seed)
    return head + uscc.calc_check_digit(head)


def demo_identity_number(index: int, region_code: str = "350102") -> str:
    body = f"{region_code}{1970 + index % 30}{(index % 12) + 1:02d}{(index % 28) + 1:02d}{index % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum computes over the first 17 characters


class Command(BaseCommand):
    help = "Load the Fujian demo data set (idempotent)."

    def handle(self, *args, **options):
        if not Region.objects.filter(code=PROVINCE).exists():
            # Normally loaded by migrate; a flushed database (transactional tests) has lost them.
            from apps.regions.services import regions_load
            from apps.workdays.services import calendar_days_load

            regions_load()
            calendar_days_load()
        with transaction.atomic():
            admin = self._platform_admin()
            with acting_as(admin):
                orgs = self._departments()
                orgs.update(self._institutions())
                created = self._accounts(orgs)
                summaries = [import_string(step)(admin) for step in DEMO_STEPS]
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {Organisation.objects.count()} organisations, {created} new accounts; "
            + "; ".join(summaries)))

    # --- platform -------------------------------------------------------------------------------
    def _platform_admin(self) -> User:
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            admin = User(username="admin", full_name="平台管理员", email="admin@portal.example",
                         is_staff=True, is_superuser=True)
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        return admin

    def _organisation(self, *, name, kind, region=None, level="", credit_code=None) -> Organisation:
        org = Organisation.objects.filter(name=name, kind=kind).first()
        if org is not None:
            return org
        org = Organisation(name=name, kind=kind, level=level, region=region, credit_code=credit_code)
        org.jurisdiction_prefix = organisation_jurisdiction(org)
        org.save()
        return org

    # --- departments at each level (SUP-4) ------------------------------------------------------
    def _departments(self) -> dict:
        D, L = Organisation.Kind.DEPARTMENT, Organisation.Level
        orgs = {"national": self._organisation(name="国家卫生健康委员会", kind=D, level=L.NATIONAL)}
        province = Region.objects.get(code=PROVINCE)
        orgs["province"] = self._organisation(name="福建省卫生健康委员会", kind=D, level=L.PROVINCIAL,
                                              region=province)
        for city in Region.objects.filter(parent=province, level=Region.Level.PREFECTURE):
            department = self._organisation(name=f"{city.name}卫生健康委员会", kind=D, level=L.MUNICIPAL,
                                            region=city)
            orgs.setdefault("city", department)
            for county in city.children.filter(level=Region.Level.COUNTY).exclude(name="市辖区"):
                county_department = self._organisation(name=f"{city.name}{county.name}卫生健康局", kind=D,
                                                       level=L.COUNTY, region=county)
                orgs.setdefault("county", county_department)
        return orgs

    # --- institutions and providers (INS-1) ------------------------------------------------------
    def _institutions(self) -> dict:
        INST, PROV = Organisation.Kind.INSTITUTION, Organisation.Kind.PROVIDER
        orgs = {}
        counties = Region.objects.filter(code__startswith="35", level=Region.Level.COUNTY).exclude(name="市辖区")
        for city in Region.objects.filter(parent_id=PROVINCE, level=Region.Level.PREFECTURE):
            seat = city.children.filter(level=Region.Level.COUNTY).exclude(name="市辖区").first() or city
            for suffix in CITY_INSTITUTIONS:
                name = f"{city.name}{suffix}"
                org = self._organisation(name=name, kind=INST, region=seat,
                                         credit_code=demo_credit_code(name, seat.code))
                orgs.setdefault("hospital", org)
        for county in counties.select_related("parent"):
            for suffix in COUNTY_INSTITUTIONS:
                name = f"{county.parent.name if county.name.endswith('区') else ''}{county.name}{suffix}"
                self._organisation(name=name, kind=INST, region=county,
                                   credit_code=demo_credit_code(name, county.code))
        gulou = Region.objects.filter(code="350102").first() or counties.first()
        for name in PROVIDERS:
            org = self._organisation(name=name, kind=PROV, region=gulou,
                                     credit_code=demo_credit_code(name, gulou.code, enterprise=True))
            orgs.setdefault("provider", org)
        return orgs

    # --- one account per role --------------------------------------------------------------------
    def _accounts(self, orgs: dict) -> int:
        created = 0
        groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
        for index, (username, role, full_name, org_key) in enumerate(DEMO_ACCOUNTS, start=1):
            if User.objects.filter(username=username).exists():
                continue
            user = User(username=username, full_name=full_name, email=f"{username}@portal.example",
                        mobile=f"138{index:08d}", organisation=orgs[org_key])
            user.set_password(DEMO_PASSWORD)
            user.set_identity_number(demo_identity_number(index))
            user.save()
            user.groups.add(groups[role])
            created += 1
        return created
