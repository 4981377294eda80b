"""What the case procedure services share: locking the case, who may act on it (404 before 403), clean text,
the case's page and notifications after commit (SUP-3, SUP-4).

Who acts: the assigned case officers (object grant `handle_case`, in no role) investigate, notify and execute;
a head of the handling department decides or drops; a head of the handling department or of one above it
assigns officers; the institution concerned (its own people holding `defend_case`) states its defence and
appeals; a head of the reviewing department decides the appeal."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core import errors, policy

from ..models import Case, CaseOfficer, CaseUserObjectPermission, Decision
from ..workflows import ASSIGN, DECIDE, DEFEND, HANDLE, REVIEW, VIEW


def clean(text) -> str:
    """Stripped text without NUL characters (PostgreSQL refuses them in text columns)."""
    return str(text or "").replace("\x00", "").strip()


def in_portal_language(message: str, **params) -> str:
    """Texts stored as records (facts of a proposal, execution notes) are written in the portal's language,
    whatever the actor's language. `message` is an untranslated source string (gettext_noop)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % params if params else _(message)


def lock_case(case) -> Case:
    """The case row, locked until the end of the transaction: every move of the procedure takes it, so two
    steps on one case never interleave."""
    return (Case.objects.select_for_update(of=("self",)).select_related("institution", "department", "region")
            .get(pk=getattr(case, "pk", case)))


def case_url(case) -> str:
    return reverse("cases:detail", args=[case.pk])


# --- who sees -------------------------------------------------------------------------------------------------


def cases_visible(user):
    """Cases the user may read: the jurisdiction's (view_case), the institution's own from the notice on (the
    policy's owner filter), and those the user holds the officer's grant on."""
    rows = policy.visible(user, Case.objects.all(), VIEW)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return rows
    handled = CaseUserObjectPermission.objects.filter(user=user, permission__codename="handle_case")
    return rows | Case.objects.filter(pk__in=handled.values("content_object_id"))


def require_visible(user, case) -> None:
    if not cases_visible(user).filter(pk=case.pk).exists():
        raise errors.NotFound()


def publicly_decided(case) -> bool:
    """The case has a decision in force disclosed to the public (anyone may read it on the public page)."""
    return Decision.objects.filter(case_id=case.pk, status=Decision.Status.IN_FORCE, disclosed=True).exists()


# --- who acts -------------------------------------------------------------------------------------------------


def is_handler(user, case) -> bool:
    """An assigned officer of the case (the grant follows the assignment)."""
    return policy.can(user, HANDLE, case)


def require_handler(user, case) -> None:
    if is_handler(user, case):
        return
    require_visible(user, case)
    raise errors.PermissionDenied(_("Only the officers assigned to case %(number)s may do this.")
                                  % {"number": case.number})


def _covers_department(user, department) -> bool:
    """The user's department is the case's department or one above it (its jurisdiction contains it)."""
    prefix = policy.jurisdiction_prefix(user)
    return prefix is not None and (department.jurisdiction_prefix or "").startswith(prefix)


def may_assign(user, case) -> bool:
    if not policy.can(user, ASSIGN, case):
        return False
    return user.is_superuser or _covers_department(user, case.department)


def require_assigner(user, case) -> None:
    if may_assign(user, case):
        return
    require_visible(user, case)
    raise errors.PermissionDenied(_("Only a head of the handling department, or of a department above it, "
                                    "assigns the officers of a case."))


def may_decide(user, case) -> bool:
    """decide_case within the jurisdiction and membership of the handling department (a higher department
    does not decide in its place: it reviews the decision on appeal)."""
    return policy.can(user, DECIDE, case) and (user.is_superuser or user.organisation_id == case.department_id)


def require_decider(user, case) -> None:
    policy.require(user, DECIDE, case)
    if not may_decide(user, case):
        raise errors.PermissionDenied(
            _("Only a head of %(department)s, the department handling case %(number)s, may decide it; a higher "
              "department reviews the decision on appeal.") % {"department": case.department.name,
                                                               "number": case.number})


def may_defend(user, case) -> bool:
    """The institution concerned: its own people holding defend_case (the policy lets an institution see its
    case only from the notice on)."""
    return getattr(user, "organisation_id", None) == case.institution_id and policy.can(user, DEFEND, case)


def require_institution(user, case, message: str, *, public_counts: bool = False) -> None:
    """404 for whoever cannot see the case (nor, with `public_counts`, its disclosed decision), else 403 with
    `message` for anyone but the institution concerned."""
    if may_defend(user, case):
        return
    if cases_visible(user).filter(pk=case.pk).exists() or (public_counts and publicly_decided(case)):
        raise errors.PermissionDenied(message)
    raise errors.NotFound()


def may_review(user, appeal) -> bool:
    return policy.can(user, REVIEW, appeal) and (
        user.is_superuser or user.organisation_id == appeal.reviewing_department_id)


# --- notifications --------------------------------------------------------------------------------------------


def heads_of(department_id) -> list:
    from apps.accounts.models import User

    return list(User.objects.filter(organisation_id=department_id, is_active=True, is_machine=False,
                                    groups__name="department_head").distinct())


def officers_of(case) -> list:
    from apps.accounts.models import User

    return list(User.objects.filter(
        pk__in=CaseOfficer.objects.filter(case_id=case.pk, is_active=True).values("user_id"), is_active=True))


def institution_people(case) -> list:
    from apps.inspections.services.inspections import institution_recipients

    return institution_recipients(case.institution_id)


def notify_on_commit(recipients, case, title, body, /, **params) -> None:
    """Tell `recipients` after commit (titles and bodies lazy, placeholders from `params`; `number` is the
    case's number and `institution` its name unless given)."""
    from apps.institutions.services.messages import portal_notify

    people = list({user.pk: user for user in recipients}.values())
    if not people:
        return
    values = {"number": case.number, "institution": case.institution.name, **params}
    transaction.on_commit(lambda: portal_notify(recipients=people, title=title, body=body, params=values,
                                                url=case_url(case)))
