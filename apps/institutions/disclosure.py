"""What the public may read about institutions (SVC-5, INS-3, INS-4): the directory and the blacklist.

Both are read as an anonymous visitor would, whoever asks (a signed-in regulator sees the same public
list here as a citizen), through the models' `public_filter`: only admitted, suspended and revoked
institutions, and only decided, disclosed suspensions and revocations. Only the columns in
PUBLIC_FIELDS are loaded, so no person's name, phone, e-mail or address can reach a public page.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from apps.core import policy

from .models import CreditGrade, Institution, StatusDecision

# The institution columns a public page may show: the organisation's identity, never its people.
PUBLIC_FIELDS = ("organisation_id", "name", "name_en", "credit_code", "type", "hospital_grade", "status",
                 "credit_grade", "region__code", "region__name", "region__parent__code",
                 "region__parent__name", "region__parent__parent__code", "region__parent__parent__name")
DECISION_FIELDS = ("id", "number", "measure", "decided_at", "decision_text", "institution_id")
BLACKLIST_STATUSES = (Institution.Status.SUSPENDED, Institution.Status.REVOKED)
_MEASURE_OF_STATUS = {Institution.Status.SUSPENDED: StatusDecision.Measure.SUSPEND,
                      Institution.Status.REVOKED: StatusDecision.Measure.REVOKE}


def _public(queryset: QuerySet) -> QuerySet:
    return policy.visible(AnonymousUser(), queryset)


def _public_institutions() -> QuerySet:
    return (_public(Institution.objects.all())
            .select_related("region__parent__parent").only(*PUBLIC_FIELDS))


def directory_search(params) -> QuerySet:
    """The public directory (SVC-5): name fragment `q`, region code `region` (any level), `type`."""
    rows = _public_institutions()
    query = (params.get("q") or "").strip()[:100]
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(name_en__icontains=query) if query.isascii()
                           else Q(name__icontains=query))
    region = (params.get("region") or "").strip()
    if region.isdigit() and len(region) == 6:
        rows = rows.filter(region__code__startswith=_region_prefix(region))
    kind = params.get("type") or ""
    if kind in Institution.Type.values:
        rows = rows.filter(type=kind)
    return rows.order_by("name", "organisation_id")


def _region_prefix(code: str) -> str:
    """A GB/T 2260 code's significant digits: 350000 -> 35, 350100 -> 3501, 350102 -> 350102."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def blacklist() -> QuerySet:
    """Suspended and revoked institutions and those whose grade is on the blacklist (INS-3, INS-4),
    each with its disclosed decisions prefetched as `public_decisions` (newest first)."""
    listed_grades = CreditGrade.objects.filter(on_blacklist=True).values("code")
    decisions = (_public(StatusDecision.objects.all()).only(*DECISION_FIELDS)
                 .order_by("-decided_at", "-pk"))
    return (_public_institutions()
            .filter(Q(status__in=BLACKLIST_STATUSES) | Q(credit_grade__in=listed_grades))
            .prefetch_related(Prefetch("status_decisions", queryset=decisions, to_attr="public_decisions"))
            .order_by("name", "organisation_id"))


def current_decision(institution: Institution) -> StatusDecision | None:
    """The disclosed decision behind the institution's present status (a restored suspension is not
    shown against an institution listed only for its grade)."""
    measure = _MEASURE_OF_STATUS.get(institution.status)
    if measure is None:
        return None
    return next((d for d in getattr(institution, "public_decisions", []) if d.measure == measure), None)


def region_label(institution: Institution) -> str:
    """The region's full name from the rows already selected (no query per row)."""
    node = institution.region
    names = [node.name]
    for _level in range(2):  # city and province: exactly the levels selected with the row
        node = node.parent
        if node is None:
            break
        names.append(node.name)
    return "".join(reversed(names))
