"""Change of responsible entity pages (INS-6): the list, the department's opening form, and one detail
page where each party sees what it may do (department: refresh, submit, close, cancel; each side: confirm)."""

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

from .. import transfers
from ..models import Institution, ResponsibilityTransfer
from ..services import transfer as transfer_services

T = ResponsibilityTransfer


class TransferOpenForm(forms.Form):
    source = forms.CharField(
        label=gettext_lazy("Handing-over institution"), max_length=18,
        help_text=gettext_lazy("Its unified social credit code (18 characters)."))
    successor = forms.CharField(
        label=T._meta.get_field("successor").verbose_name, max_length=18, required=False,
        help_text=gettext_lazy("The successor's unified social credit code. Leave empty when the data go to "
                               "the health department."))
    reason = forms.ChoiceField(label=T._meta.get_field("reason").verbose_name, choices=T.Reason.choices)
    description = forms.CharField(
        label=T._meta.get_field("description").verbose_name, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The decision or agreement behind the change, and anything both sides should know."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _institution(self, field: str) -> Institution | None:
        code = (self.cleaned_data.get(field) or "").strip().upper()
        if not code:
            return None
        found = policy.visible(self.user, Institution.objects.select_related("organisation"),
                               "institutions.view_institution").filter(credit_code=code).first()
        if found is None:
            raise forms.ValidationError(_("No institution in your jurisdiction has this code."))
        return found

    def clean_source(self):
        return self._institution("source")

    def clean_successor(self):
        return self._institution("successor")


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is the transfer cancelled?"),
                             widget=forms.Textarea(attrs={"rows": 2}))


def _transfer(request, pk: int) -> ResponsibilityTransfer:
    rows = transfer_services.transfers_for(request.user, T.objects.select_related(
        "source", "source__region", "successor", "department", "created_by", "closed_by",
        "source_confirmed_by", "successor_confirmed_by"))
    try:
        return rows.get(pk=pk)
    except T.DoesNotExist:
        raise Http404 from None


@login_required
def transfer_list(request):
    """Department: every transfer in the jurisdiction; an institution: the ones it is a party to."""
    policy.require(request.user, "institutions.view_responsibilitytransfer")
    rows = transfer_services.transfers_for(request.user, T.objects.select_related("source", "successor"))
    status = request.GET.get("status") or ""
    if status in T.Status.values:
        rows = rows.filter(status=status)
    query = (request.GET.get("q") or "").strip()
    if query:
        rows = rows.filter(number=query.upper()) if query.upper().startswith("BG") else rows.filter(
            source__name__icontains=query)
    page = paginate(request, rows.order_by("-created_at", "-pk"))
    return render(request, "institutions/transfer/list.html", {
        "page": page, "status": status, "q": query, "statuses": T.Status.choices,
        "may_open": request.user.has_perm("institutions.manage_transfer") and request.user.is_regulator,
    })


@login_required
def transfer_open(request):
    policy.require(request.user, "institutions.manage_transfer")
    if not request.user.is_regulator:
        raise Http404
    initial = {}
    source_id = request.GET.get("source", "")
    if source_id.isascii() and source_id.isdigit():  # "²" passes isdigit() alone but not int()
        source = policy.visible(request.user, Institution, "institutions.view_institution").filter(
            pk=int(source_id)).first()
        if source is not None:
            initial["source"] = source.credit_code
    form = TransferOpenForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        transfer = run_service(request, form, lambda: transfer_services.transfer_open(
            source=data["source"], successor=data["successor"], reason=data["reason"],
            description=data["description"], by=request.user),
            success_message=_("The transfer has been prepared; check the list of items, then send it for "
                              "confirmation."))
        if transfer is not None:
            return redirect("institutions:transfer_detail", transfer.pk)
    return render(request, "institutions/transfer/open.html", {"form": form})


def _items_by_kind(transfer: ResponsibilityTransfer) -> list[dict]:
    groups: dict[str, dict] = {}
    for item in transfer.items.order_by("kind", "pk"):
        group = groups.setdefault(item.kind, {"label": transfers.kind_label(item.kind), "items": []})
        group["items"].append(item)
    return list(groups.values())


@login_required
def transfer_detail(request, pk: int):
    transfer = _transfer(request, pk)
    user = request.user
    manages = policy.can(user, "institutions.manage_transfer", transfer) and user.is_regulator
    side = None
    if policy.can(user, "institutions.confirm_transfer", transfer):
        if user.organisation_id == transfer.source_id and not transfer.source_confirmed_at:
            side = "source"
        elif user.organisation_id == transfer.successor_id and not transfer.successor_confirmed_at:
            side = "successor"
    not_listed = []
    if manages and transfer.status in (T.Status.AWAITING_CONFIRMATION, T.Status.CONFIRMED):
        listed = set(transfer.items.values_list("kind", "object_id"))
        not_listed = [row for row in transfer_services.transfer_left_behind(transfer.source)
                      if (row[0], row[1]) not in listed]
    return render(request, "institutions/transfer/detail.html", {
        "transfer": transfer, "groups": _items_by_kind(transfer), "manages": manages,
        "may_confirm": side is not None and transfer.status == T.Status.AWAITING_CONFIRMATION,
        "side": side, "not_listed": not_listed,
        "cancel_form": CancelForm() if manages and transfer.status in transfer_services.OPEN_STATUSES else None,
    })


def _act(request, pk: int, call, success: str):
    """Run one step on the transfer; refusals come back as a message on the detail page."""
    transfer = _transfer(request, pk)
    try:
        call(transfer)
    except (errors.ValidationFailed, errors.TransitionNotAllowed) as error:
        details = [str(m) for messages_ in error.field_errors.values()
                   for m in (messages_ if isinstance(messages_, list | tuple) else [messages_])]
        messages.error(request, " ".join([str(error.message), *details]) if details else str(error.message))
    else:
        messages.success(request, success)
    return redirect("institutions:transfer_detail", transfer.pk)


@login_required
@require_POST
def transfer_refresh(request, pk: int):
    return _act(request, pk, lambda t: transfer_services.transfer_refresh_items(transfer=t, by=request.user),
                _("The list of items has been taken afresh."))


@login_required
@require_POST
def transfer_submit(request, pk: int):
    return _act(request, pk, lambda t: transfer_services.transfer_submit(transfer=t, by=request.user),
                _("Sent to both sides for confirmation."))


@login_required
@require_POST
def transfer_confirm(request, pk: int):
    return _act(request, pk, lambda t: transfer_services.transfer_confirm(transfer=t, by=request.user),
                _("Your confirmation has been recorded."))


@login_required
@require_POST
def transfer_close(request, pk: int):
    return _act(request, pk, lambda t: transfer_services.transfer_close(transfer=t, by=request.user),
                _("The transfer has been carried out and the handing-over institution is closed."))


@login_required
@require_POST
def transfer_cancel(request, pk: int):
    form = CancelForm(request.POST)
    reason = form.data.get("reason", "")
    return _act(request, pk, lambda t: transfer_services.transfer_cancel(transfer=t, reason=reason, by=request.user),
                _("The transfer has been cancelled."))


urlpatterns = [
    path("transfers/", transfer_list, name="transfer_list"),
    path("transfers/new/", transfer_open, name="transfer_open"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/refresh/", transfer_refresh, name="transfer_refresh"),
    path("transfers/<int:pk>/submit/", transfer_submit, name="transfer_submit"),
    path("transfers/<int:pk>/confirm/", transfer_confirm, name="transfer_confirm"),
    path("transfers/<int:pk>/close/", transfer_close, name="transfer_close"),
    path("transfers/<int:pk>/cancel/", transfer_cancel, name="transfer_cancel"),
]
