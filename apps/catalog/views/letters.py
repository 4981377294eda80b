"""Decision letters and the public pages about them (SVC-2, SVC-5, SUP-5).

- `letters/<id>/`: the signed letter for those who see its application (every download audited);
  while it is being produced, a page that says so.
- `verify/` and `verify/<code>/`: anyone checks a letter by its verification code (rate-limited per
  address for unknown codes); no personal data is shown.
- `register/` and `register.csv`: the public register of approved data uses, without recipients.
The rules live in services/letters.py and services/register.py; these views only shape requests."""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from apps.core import errors
from apps.core.access import client_address
from apps.core.files import file_response
from apps.core.pagination import paginate

from ..models import DataGrant, DecisionLetter
from ..services import letters as letter_services
from ..services import register as register_services

# --- the letter itself ----------------------------------------------------------------------------------


def _letter(request, pk: int) -> DecisionLetter:
    letter = (letter_services.letters_visible(request.user).select_related("application__applicant")
              .filter(pk=pk).first())
    if letter is None:
        raise errors.NotFound()
    return letter


@login_required
def letter_download(request, pk: int):
    """The signed PDF, audited (SUP-5); a page about its state while it is not ready."""
    letter = _letter(request, pk)
    if letter.status == DecisionLetter.Status.READY:
        return file_response(letter.file, filename=f"{letter_services.letter_number(letter)}.pdf",
                             content_type="application/pdf", inline=request.GET.get("inline") == "1",
                             audit_request=request, audit_object=letter)
    return render(request, "catalog/letters/not_ready.html", {
        "letter": letter, "number": letter_services.letter_number(letter)})


@login_required
@require_POST
def letter_requeue(request, pk: int):
    """Produce a failed letter again."""
    letter = _letter(request, pk)
    try:
        letter_services.letter_requeue(letter, by=request.user)
    except errors.TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The letter is being produced again."))
    return redirect("catalog:letter_download", pk=letter.pk)


# --- public verification (SVC-5) ------------------------------------------------------------------------


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40,
                           help_text=_("The 16 characters printed at the foot of the letter; hyphens are optional."))


def verify(request):
    """The verification form; a submitted code leads to its result page."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = letter_services.normalise_code(form.cleaned_data["code"])
        if code:
            return redirect("catalog:verify_result", code=code)
        form.add_error("code", _("Type the code printed on the letter."))
    return render(request, "catalog/letters/verify.html", {"form": form})


def verify_result(request, code: str):
    """What the letter with `code` is and whether its signature holds; a friendly 404 with the form if
    no letter has it; 429 after too many unknown codes from one address."""
    form = VerifyForm(initial={"code": letter_services.format_code(letter_services.normalise_code(code))})
    try:
        result = letter_services.letter_verify(code, client_key=client_address(request))
    except letter_services.VerificationThrottled as error:
        return render(request, "catalog/letters/verify.html", {"form": form, "throttled": error.message}, status=429)
    if result is None:
        return render(request, "catalog/letters/verify.html", {"form": form, "unknown": True}, status=404)
    return render(request, "catalog/letters/verify_result.html", {"form": form, "result": result})


# --- the public register (SVC-5) ------------------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Institution or resource"), required=False, max_length=register_services.QUERY_MAX)
    year = forms.ChoiceField(label=_("Year of approval"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *DataGrant.Status.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Any year")), *((str(y), str(y)) for y in register_services.register_years())]


def public_register(request):
    """Approved data uses: who, which resources, purpose, period and state; searchable, no COUNT."""
    form = RegisterFilterForm(request.GET or None)
    page = paginate(request, register_services.register_search(request.GET))
    for grant in page:
        grant.public_resources = register_services.resources_of(grant)
    template = "catalog/register/_rows.html" if request.htmx else "catalog/register/list.html"
    return render(request, template, {"form": form, "page": page})


class _Echo:
    def write(self, value):
        return value


def public_register_csv(request):
    """The register, filtered as on the page, as CSV (UTF-8 with BOM for spreadsheets), streamed."""
    rows = register_services.register_csv_rows(register_services.register_search(request.GET))

    def stream():
        writer = csv.writer(_Echo())
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    filename = f"data-use-register-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


urlpatterns = [
    path("letters/<int:pk>/", letter_download, name="letter_download"),
    path("letters/<int:pk>/produce/", letter_requeue, name="letter_requeue"),
    path("verify/", verify, name="verify"),
    path("verify/<str:code>/", verify_result, name="verify_result"),
    path("register/", public_register, name="public_register"),
    path("register.csv", public_register_csv, name="public_register_csv"),
]
