"""Profile change pages (INS-1, INS-5): an institution's "My profile" with its proposal form, and the
department's work list of proposals with a decision page that sets old and new values side by side."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.core import errors, policy
from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..forms import ProfileForm
from ..models import Institution, ProfileChange
from ..services import profile_change as change_services
from ..services.registry import PROFILE_FIELDS, PROPOSABLE_FIELDS
from .display import profile_rows, value_display

P = ProfileChange


class ProposalForm(ProfileForm):
    """The proposable part of the profile, prefilled; only the fields the user changes are proposed."""

    reason = forms.CharField(label=P._meta.get_field("reason").verbose_name, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=gettext_lazy("Why the data change, and where the new values come from."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, fields=PROPOSABLE_FIELDS, **kwargs)
        self.order_fields([*PROPOSABLE_FIELDS, "reason"])

    def proposed_changes(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.changed_data if name in PROPOSABLE_FIELDS}


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=[
        ("", "—"), ("approve", gettext_lazy("Approve and apply the new values")), ("reject", gettext_lazy("Reject"))])
    comment = forms.CharField(label=P._meta.get_field("decision_comment").verbose_name, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("Required for a rejection: the reasons."))


def _comparison(change: P) -> list[dict]:
    institution = change.institution
    rows = []
    for name in PROFILE_FIELDS:
        if name not in change.changes:
            continue
        current = getattr(institution, name)
        rows.append({
            "label": Institution._meta.get_field(name).verbose_name,
            "previous": value_display(name, change.previous.get(name, "")),
            "proposed": value_display(name, change.changes[name]),
            "current": value_display(name, current),
            "moved_since": change.status == P.Status.SUBMITTED and str(current or "") != change.previous.get(name, ""),
        })
    return rows


def _own_institution(request) -> Institution:
    if request.user.organisation_id is None:
        raise Http404
    try:
        return policy.get_object(request.user, Institution.objects.select_related("region", "region__parent"),
                                 "institutions.view_institution", pk=request.user.organisation_id)
    except errors.NotFound:
        raise Http404 from None


@login_required
def my_profile(request):
    """The caller's own institution: its registered data, status and credit, and a proposal form."""
    institution = _own_institution(request)
    may_propose = policy.can(request.user, "institutions.propose_institution_change", institution)
    changes = policy.visible(request.user, P.objects.filter(institution=institution).select_related(
        "submitted_by", "decided_by"), "institutions.view_profilechange").order_by("-submitted_at", "-pk")
    recent = list(changes[:10])
    open_change = next((change for change in recent if change.status == P.Status.SUBMITTED), None)
    form = None
    if may_propose and open_change is None:
        initial = {name: getattr(institution, name) for name in PROPOSABLE_FIELDS}
        form = ProposalForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            proposed = run_service(request, form, lambda: change_services.profile_change_propose(
                institution=institution, changes=form.proposed_changes(), reason=form.cleaned_data["reason"],
                by=request.user), success_message=_("Your proposal has been sent to your health department."))
            if proposed is not None:
                return redirect("institutions:my_profile")
    elif request.method == "POST":
        raise Http404
    return render(request, "institutions/profile_change/mine.html", {
        "institution": institution, "form": form, "may_propose": may_propose, "open_change": open_change,
        "open_rows": _comparison(open_change) if open_change else [], "recent": recent,
        "profile_fields": profile_rows(institution),
        "is_provider": institution.type == Institution.Type.DATA_SERVICE
        or request.user.organisation.kind == "provider",
        "show_form": request.method == "POST",
    })


@login_required
def profile_change_list(request):
    """The department's work list: proposals from its jurisdiction, oldest first while they wait."""
    policy.require(request.user, "institutions.review_institution_change")
    rows = policy.visible(request.user, P.objects.select_related("institution", "submitted_by"),
                          "institutions.view_profilechange")
    status = request.GET.get("status", P.Status.SUBMITTED)
    if status in P.Status.values:
        rows = rows.filter(status=status)
    order = ("submitted_at", "pk") if status == P.Status.SUBMITTED else ("-submitted_at", "-pk")
    return render(request, "institutions/profile_change/list.html", {
        "page": paginate(request, rows.order_by(*order)), "status": status, "statuses": P.Status.choices,
    })


def _change(request, pk: int) -> P:
    try:
        return policy.get_object(request.user, P.objects.select_related(
            "institution", "institution__region", "submitted_by", "decided_by"),
            "institutions.view_profilechange", pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def profile_change_detail(request, pk: int):
    change = _change(request, pk)
    may_decide = (change.status == P.Status.SUBMITTED
                  and policy.can(request.user, "institutions.review_institution_change", change))
    form = DecideForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            decided = run_service(request, form, lambda: change_services.profile_change_decide(
                change=change, approve=approve, comment=form.cleaned_data["comment"], by=request.user),
                success_message=_("The proposal has been approved and applied.") if approve
                else _("The proposal has been rejected."))
            if decided is not None:
                return redirect("institutions:profile_change_list")
    return render(request, "institutions/profile_change/detail.html", {
        "change": change, "rows": _comparison(change), "form": form,
        "may_withdraw": change.status == P.Status.SUBMITTED
        and policy.can(request.user, "institutions.propose_institution_change", change),
    })


@login_required
@require_POST
def profile_change_withdraw(request, pk: int):
    change = _change(request, pk)
    try:
        change_services.profile_change_withdraw(change=change, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your proposal has been withdrawn."))
    return redirect("institutions:my_profile")


urlpatterns = [
    path("mine/", my_profile, name="my_profile"),
    path("changes/", profile_change_list, name="profile_change_list"),
    path("changes/<int:pk>/", profile_change_detail, name="profile_change_detail"),
    path("changes/<int:pk>/withdraw/", profile_change_withdraw, name="profile_change_withdraw"),
]
