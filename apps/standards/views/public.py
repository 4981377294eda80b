"""Public pages, no sign-in (STD-1, STD-2, STD-3, SVC-5): the published standards with their status and
text, the drafts open for public comment, and the proposal form. They show what the public may see and
nothing about people but the organisation of an answered comment (never a name or an e-mail address)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from apps.core.forms import run_service
from apps.core.pagination import paginate

from ..models import PublicComment, Standard
from ..services import proposals as proposal_services
from .proposal_forms import ProposalForm
from .registry import series_versions
from .registry_forms import StandardFilterForm, standard_search

S = Standard.Status
# The public list: issued standards (drafts in comment have their own page).
LISTED_STATUSES = (S.PUBLISHED, S.IN_FORCE, S.UNDER_REVISION, S.SUPERSEDED, S.ABOLISHED)
PUBLIC_PAGE_STATUSES = (*LISTED_STATUSES, S.PUBLIC_COMMENT)
_COLUMNS = ("pk", "code", "title", "title_en", "status", "nature", "level", "published_on", "in_force_on",
            "category__code", "category__name", "category__name_en")


def public_list(request):
    """Search the issued standards by code or title, category and status; one page, no COUNT."""
    form = StandardFilterForm(request.GET or None, statuses=[(s, S(s).label) for s in LISTED_STATUSES])
    rows = standard_search(Standard.objects.filter(status__in=LISTED_STATUSES).select_related("category"),
                           request.GET).only(*_COLUMNS)
    page = paginate(request, rows.order_by("code", "pk"))
    template = "standards/public/_rows.html" if request.htmx else "standards/public/list.html"
    return render(request, template, {"form": form, "page": page})


def public_detail(request, pk: int):
    """A standard as the public sees it: status, dates, text, the series' versions, answered comments."""
    standard = (Standard.objects.filter(pk=pk, status__in=PUBLIC_PAGE_STATUSES)
                .select_related("category__parent", "responsible_department", "supersedes").first())
    if standard is None:
        raise Http404
    versions = series_versions(standard, Standard.objects.filter(status__in=PUBLIC_PAGE_STATUSES))
    comments = (PublicComment.objects.filter(standard=standard).exclude(answer=PublicComment.Answer.PENDING)
                .only("pk", "author_organisation", "clause", "text", "submitted_at", "answer", "answer_reason",
                      "answered_at").order_by("submitted_at", "pk"))
    return render(request, "standards/public/detail.html", {
        "standard": standard, "versions": versions, "comments": comments,
        "comment_open": standard.comment_period_open()})


def open_comments(request):
    """Drafts whose public comment period is open today, closing soonest first."""
    today = timezone.localdate()
    rows = (Standard.objects.filter(status=S.PUBLIC_COMMENT, comment_opens_on__lte=today,
                                    comment_closes_on__gte=today)
            .select_related("category").only(*_COLUMNS, "comment_opens_on", "comment_closes_on")
            .order_by("comment_closes_on", "code"))
    return render(request, "standards/public/open_comments.html", {"page": paginate(request, rows), "today": today})


def _client_key(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def propose(request):
    """The proposal form (STD-2) for anyone; a signed-in user's name and address are filled in."""
    initial = {}
    if request.user.is_authenticated:
        initial = {"proposer_name": request.user.full_name, "proposer_email": request.user.email,
                   "proposer_organisation": getattr(request.user.organisation, "name", "")}
    if request.GET.get("revise"):
        initial.update(kind="revision", target=request.GET["revise"][:40])
    form = ProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        proposal = run_service(request, form, lambda: proposal_services.proposal_submit(
            data=form.service_data(), by=request.user if request.user.is_authenticated else None,
            client_key=_client_key(request)))
        if proposal is not None:
            request.session["standard_proposal"] = proposal.number
            return redirect("standards:propose_done")
    return render(request, "standards/public/propose.html", {"form": form}, status=400 if form.errors else 200)


def propose_done(request):
    number = request.session.get("standard_proposal")
    if not number:
        return redirect("standards:propose")
    return render(request, "standards/public/propose_done.html", {"number": number})


urlpatterns = [
    path("public/", public_list, name="public_list"),
    path("public/<int:pk>/", public_detail, name="public_detail"),
    path("public/comments/", open_comments, name="open_comments"),
    path("public/propose/", propose, name="propose"),
    path("public/propose/thanks/", propose_done, name="propose_done"),
]
