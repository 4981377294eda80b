"""The officers' side of proposals (STD-2): the work list and the decision page. The public form is in
views/public.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from apps.core import errors, policy
from apps.core.forms import apply_domain_error
from apps.core.pagination import paginate

from ..models import StandardProposal
from ..services import proposals as proposal_services
from .proposal_forms import DecisionForm
from .registry_forms import search_text

VIEW = "standards.view_standardproposal"


@login_required
def proposal_list(request):
    """Proposals waiting for a decision first (oldest first), or all of one status; no COUNT."""
    policy.require(request.user, VIEW)
    rows = policy.visible(request.user, StandardProposal.objects.select_related("target", "project"), VIEW)
    status = request.GET.get("status", StandardProposal.Status.SUBMITTED)
    if status in StandardProposal.Status.values:
        rows = rows.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in StandardProposal.Kind.values:
        rows = rows.filter(kind=kind)
    query = search_text(request.GET.get("q"))
    if query:
        rows = rows.filter(number=query.upper()) if query.upper().startswith("TY") else rows.filter(
            title__icontains=query)
    order = ("submitted_at", "pk") if status == StandardProposal.Status.SUBMITTED else ("-submitted_at", "-pk")
    page = paginate(request, rows.order_by(*order))
    return render(request, "standards/proposals/list.html", {
        "page": page, "status": status, "kind": kind, "q": query,
        "statuses": StandardProposal.Status.choices, "kinds": StandardProposal.Kind.choices})


def _proposal(request, pk) -> StandardProposal:
    try:
        return policy.get_object(request.user, StandardProposal.objects.select_related(
            "target", "project", "category", "decided_by", "proposer"), VIEW, pk=pk)
    except errors.NotFound:
        raise Http404 from None


@login_required
def proposal_detail(request, pk: int):
    """The proposal and, while it waits, the decision form (accept as a project or reject with reasons)."""
    proposal = _proposal(request, pk)
    may_decide = proposal_services.proposal_may_decide(request.user, proposal)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        policy.require(request.user, "standards.decide_proposal", proposal)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                proposal_services.proposal_decide(proposal=proposal, accept=accept, by=request.user,
                                                  reason=form.cleaned_data["reason"],
                                                  project_data=form.project_data())
            except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The proposal is accepted and the project registered.") if accept
                                 else _("The proposal is not accepted; the proposer is told why."))
                return redirect("standards:proposal_detail", proposal.pk)
        status = 400
    return render(request, "standards/proposals/detail.html", {
        "proposal": proposal, "may_decide": may_decide, "form": form}, status=status)


urlpatterns = [
    path("proposals/", proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal_detail"),
]
