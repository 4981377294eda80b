"""Proposals of new standards and revisions, from anyone (STD-2, M.9).

A citizen, an institution or any organisation may propose, signed in or not. The form is public, so:
- it is rate-limited per client (the network address the page or API gives as `client_key`:
  PROPOSALS_PER_CLIENT_PER_HOUR) and per e-mail address (PROPOSALS_PER_EMAIL_PER_DAY); only proposals
  actually submitted count, so a visitor correcting mistakes is never locked out;
- a reason of at least MIN_REASON_CHARS characters is required: officers decide on the need stated;
- a revision names a standard the public can see that is published or in force (an abolished or superseded
  standard is not revised, and one already under revision needs no second proposal).

A standards officer (standards.decide_proposal; for a revision, one of the custodian of its target: the
responsible department or one above it) accepts it, which registers the project (a revision starts the
revision of its target through the lifecycle), or rejects it with reasons. The proposer hears of both by
e-mail; an anonymous proposer has nothing else. Proposals submitted anonymously have no actor in their
history: none exists, and inventing one would falsify the trail."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Organisation, User
from apps.core import errors, policy
from apps.core.history import save_tracked

from ..models import PUBLIC_STATUSES, FrameworkCategory, Standard, StandardProposal, normalise_code
from ..workflows import PROPOSAL_FLOW
from .registry import provisional_code_for, standard_create, standard_update

P = StandardProposal
MIN_REASON_CHARS = 20
MIN_REJECTION_CHARS = 10
PROPOSALS_PER_CLIENT_PER_HOUR = 5
PROPOSALS_PER_EMAIL_PER_DAY = 10
REVISABLE_STATUSES = (Standard.Status.PUBLISHED, Standard.Status.IN_FORCE)


class ProposalThrottled(errors.ValidationFailed):
    """Too many proposals from one client or address: a form error on pages, 429 in the API."""

    status_code = 429
    code = "throttled"


def _client_key(client_key: str | None) -> str | None:
    return f"standards:proposals:client:{client_key}" if client_key else None


def _email_key(email: str) -> str:
    return f"standards:proposals:email:{email.strip().lower()}"


def _check_rate(client_key: str | None, email: str) -> None:
    client = _client_key(client_key)
    if client and cache.get(client, 0) >= PROPOSALS_PER_CLIENT_PER_HOUR:
        raise ProposalThrottled(_("Too many proposals from your network; please try again in an hour."))
    if email and cache.get(_email_key(email), 0) >= PROPOSALS_PER_EMAIL_PER_DAY:
        raise ProposalThrottled(_("Too many proposals from this e-mail address today; please try again tomorrow."))


def _count(key: str | None, seconds: int) -> None:
    if not key:
        return
    if not cache.add(key, 1, seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, seconds)


def _number() -> str:
    """TY + date + serial of the day: TY202405170003."""
    today = timezone.localdate()
    prefix = f"TY{today:%Y%m%d}"
    last = (P.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first())
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:04d}"


def _target(value) -> Standard | None:
    """The standard to revise, by id, by code, or as given; only what the public may see."""
    if value in (None, ""):
        return None
    public = Standard.objects.filter(status__in=PUBLIC_STATUSES)
    if isinstance(value, Standard):
        return public.filter(pk=value.pk).first()
    if isinstance(value, int) or str(value).isdigit():
        return public.filter(pk=int(value)).first()
    return public.filter(code=normalise_code(str(value))).first()


def _clean(data: dict, by) -> dict:
    field_errors: dict[str, list] = {}

    def fail(field, message):
        field_errors.setdefault(field, []).append(message)

    signed_in = bool(by is not None and getattr(by, "is_authenticated", False))
    values = {
        "kind": data.get("kind") or "", "title": (data.get("title") or "").strip(),
        "reason": (data.get("reason") or "").strip(), "content": (data.get("content") or "").strip(),
        "proposer_name": (data.get("proposer_name") or (by.full_name if signed_in else "")).strip(),
        "proposer_organisation": (data.get("proposer_organisation") or "").strip(),
        "proposer_email": (data.get("proposer_email") or (by.email if signed_in else "")).strip(),
        "proposer": by if signed_in else None, "target": None, "category": None,
    }
    if values["kind"] not in P.Kind.values:
        fail("kind", _("Say whether you propose a new standard or a revision."))
    if values["kind"] == P.Kind.REVISION:
        _clean_target(data.get("target"), values, fail)
    if not values["title"] and values["target"] is not None:
        values["title"] = values["target"].title
    if not values["title"]:
        fail("title", _("Give a title for the proposed standard."))
    if len(values["reason"]) < MIN_REASON_CHARS:
        fail("reason", _("Explain the reason and the need in at least %(count)d characters.")
             % {"count": MIN_REASON_CHARS})
    if data.get("category") not in (None, ""):
        category = data["category"]
        values["category"] = (category if isinstance(category, FrameworkCategory)
                              else FrameworkCategory.objects.filter(pk=category).first())
        if values["category"] is None:
            fail("category", _("Choose a category of the framework, or leave it empty."))
    if values["target"] is not None and values["category"] is None:
        values["category"] = values["target"].category
    if not values["proposer_name"]:
        fail("proposer_name", _("Give your name."))
    try:
        validate_email(values["proposer_email"])
    except ValidationError:
        fail("proposer_email", _("Give an e-mail address where we can tell you the decision."))
    for field, limit in (("title", 300), ("proposer_name", 100), ("proposer_organisation", 200)):
        if len(values[field]) > limit:
            fail(field, _("At most %(count)d characters.") % {"count": limit})
    if field_errors:
        raise errors.ValidationFailed(field_errors=field_errors)
    return values


def _clean_target(given, values: dict, fail) -> None:
    target = _target(given)
    if target is None:
        fail("target", _("Name the published standard you propose to revise (its code, e.g. WS/T 500.1-2016)."))
    elif target.status == Standard.Status.UNDER_REVISION:
        fail("target", _("%(code)s is already being revised; comment on the draft when it is open for comment.")
             % {"code": target.code})
    elif target.status not in REVISABLE_STATUSES:
        fail("target", _("%(code)s is %(status)s and cannot be revised; propose a new standard instead.")
             % {"code": target.code, "status": target.get_status_display().lower()})
    else:
        values["target"] = target


@transaction.atomic
def proposal_submit(*, data: dict, by=None, client_key: str | None) -> StandardProposal:
    """Anyone proposes a new standard or a revision (STD-2, M.9). `by` is the signed-in user or None;
    `client_key` the client's network address (rate limit). The proposer receives the number by e-mail;
    the standards officers concerned are told in the portal."""
    email = (data.get("proposer_email") or getattr(by, "email", "") or "").strip()
    _check_rate(client_key, email)
    values = _clean(data, by)
    proposal = _save_numbered(StandardProposal(**values))
    _count(_client_key(client_key), 3600)
    _count(_email_key(values["proposer_email"]), 24 * 3600)
    language = translation.get_language()
    transaction.on_commit(lambda: _announce(proposal, language))
    return proposal


def _save_numbered(proposal: StandardProposal) -> StandardProposal:
    """Two proposals submitted at the same instant may draw the same serial: the second draws again."""
    for attempt in range(5):
        proposal.number = _number()
        try:
            with transaction.atomic():
                return save_tracked(proposal, by=proposal.proposer, reason="submitted")
        except IntegrityError:
            proposal.pk = None
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def proposal_officers(proposal: StandardProposal) -> list[User]:
    """Standards officers of the department responsible for the target, else of the national department(s),
    else every department's (a portal run by a province has no national department)."""
    officers = User.objects.filter(groups__name="standards_officer", is_active=True, is_machine=False,
                                   organisation__kind=Organisation.Kind.DEPARTMENT, organisation__is_active=True)
    department_id = proposal.target.responsible_department_id if proposal.target_id else None
    for rows in ((officers.filter(organisation_id=department_id) if department_id else officers.none()),
                 officers.filter(organisation__jurisdiction_prefix=""), officers):
        found = list(rows.distinct())
        if found:
            return found
    return []


def _announce(proposal: StandardProposal, language: str | None) -> None:
    from apps.institutions.services.messages import portal_notify

    portal_notify(recipients=proposal_officers(proposal), title=gettext_lazy("New standard proposal %(number)s"),
                  body="%(title)s", params={"number": proposal.number, "title": proposal.title},
                  url=reverse("standards:proposal_detail", args=[proposal.pk]))
    with translation.override(language or settings.LANGUAGE_CODE):
        _mail(proposal, _("Your standard proposal %(number)s was received") % {"number": proposal.number},
              _("Thank you for your proposal “%(title)s”. Its number is %(number)s. The standards officers will "
                "examine it and tell you their decision at this address.")
              % {"title": proposal.title, "number": proposal.number})


def _mail(proposal: StandardProposal, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [proposal.proposer_email], fail_silently=True)


@transaction.atomic
def proposal_decide(*, proposal: StandardProposal, accept: bool, reason: str, by,
                    project_data: dict | None = None) -> StandardProposal:
    """Accept a proposal as a project or reject it with reasons (STD-2, STD-1); standards.decide_proposal.

    Accepting a new standard registers a project (provisional code unless `project_data` gives one; title and
    category from the proposal unless given). Accepting a revision starts the revision of the target
    (lifecycle: the target goes under revision, the project supersedes it, same series and category).
    Either way the project is linked to the proposal and the proposer is told by e-mail."""
    proposal = StandardProposal.objects.select_for_update().get(pk=proposal.pk)
    target_status = P.Status.ACCEPTED if accept else P.Status.REJECTED
    PROPOSAL_FLOW.check(by, proposal, proposal.status, target_status)
    _check_custodian(proposal, by)
    reason = (reason or "").strip()
    if not accept and len(reason) < MIN_REJECTION_CHARS:
        raise errors.ValidationFailed(field_errors={"reason": [
            _("Give the reasons for not accepting the proposal (at least %(count)d characters).")
            % {"count": MIN_REJECTION_CHARS}]})
    if accept:
        proposal.project = _register_project(proposal, reason, project_data or {}, by)
    proposal.status, proposal.decision_reason = target_status, reason
    proposal.decided_by, proposal.decided_at = by, timezone.now()
    save_tracked(proposal, by=by, reason="accepted" if accept else "rejected")
    transaction.on_commit(lambda: _tell_proposer(proposal))
    return proposal


def _check_custodian(proposal: StandardProposal, by) -> None:
    """A proposal to revise a standard is decided (accepted or rejected) by that standard's custodian: its
    responsible department, a department above it, or the national department for one without (the policy's
    custodian rule). A proposal of a new standard is decided by any standards officer."""
    if proposal.target_id is not None:
        policy.require(by, "standards.decide_proposal", proposal.target)


def proposal_may_decide(user, proposal: StandardProposal) -> bool:
    """Does the page offer `user` the decision form (same rules as `proposal_decide`)?"""
    if proposal.status != P.Status.SUBMITTED or not policy.can(user, "standards.decide_proposal", proposal):
        return False
    return proposal.target_id is None or policy.can(user, "standards.decide_proposal", proposal.target)


def _register_project(proposal: StandardProposal, reason: str, project_data: dict, by) -> Standard:
    overrides = {key: value for key, value in project_data.items() if value not in (None, "")}
    if proposal.kind == P.Kind.REVISION:
        from .lifecycle import standard_revision_start

        project = standard_revision_start(standard=proposal.target, by=by,
                                          reason=f"{proposal.number}: {reason or proposal.reason}"[:500])
        return standard_update(standard=project, data=overrides, by=by) if overrides else project
    department = by.organisation if getattr(by.organisation, "kind", None) == Organisation.Kind.DEPARTMENT else None
    data = {"code": provisional_code_for(prefix=overrides.pop("prefix", "WS/T")), "title": proposal.title,
            "category": proposal.category, "scope_note": proposal.content, "responsible_department": department,
            **overrides}
    if data.get("category") is None:
        raise errors.ValidationFailed(field_errors={"category": [
            _("Choose the framework category of the new project.")]})
    return standard_create(data=data, by=by, status=Standard.Status.PROJECT)


def _tell_proposer(proposal: StandardProposal) -> None:
    """In the portal's language (the decision is an official answer), after commit."""
    from apps.institutions.services.messages import portal_notify

    params = {"number": proposal.number, "title": proposal.title, "reason": proposal.decision_reason,
              "project": proposal.project.code if proposal.project_id else ""}
    if proposal.status == P.Status.ACCEPTED:
        subject = gettext_lazy("Your standard proposal %(number)s was accepted")
        body = gettext_lazy("Your proposal “%(title)s” was accepted and registered as the project %(project)s. "
                            "%(reason)s")
    else:
        subject = gettext_lazy("Your standard proposal %(number)s was not accepted")
        body = gettext_lazy("Your proposal “%(title)s” was not accepted, for these reasons: %(reason)s")
    with translation.override(settings.LANGUAGE_CODE):
        _mail(proposal, str(subject) % params, (str(body) % params).strip())
    if proposal.proposer_id:
        portal_notify(recipients=[proposal.proposer], title=subject, body=body, params=params, email=False)
