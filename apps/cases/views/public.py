"""Public pages of accountability cases, no sign-in (SUP-3, SUP-5, M.35).

- `public/`: the decisions a department chose to disclose, while in force, newest first; filters by region,
  measure, year and institution name (htmx swaps the rows).
- `public/<number>/`: one disclosed decision: the same facts, the verification code's hint and, only when the
  decision discloses them, the names and positions of the persons named in a disciplinary measure.
- `verify/` and `verify/<code>/`: anyone checks a decision letter by its verification code or by uploading the
  PDF; unknown codes and files are limited per address; no personal data is shown.
What may be shown is decided in services/letters.py; these views only shape requests."""

from django import forms
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from apps.core import errors
from apps.core.access import client_address
from apps.core.forms import apply_domain_error
from apps.core.pagination import paginate
from apps.inspections.services.reports import VERIFY_UPLOAD_MAX_BYTES, verification_upload_read
from apps.institutions.views.public import _region_choices

from ..ladder import Measure
from ..services import letters as letter_services

# A request body larger than this is refused before it is read (the file limit plus the form's overhead).
_VERIFY_BODY_LIMIT = VERIFY_UPLOAD_MAX_BYTES + 64 * 1024
FIRST_YEAR = 2018  # the Measures took effect in July 2018


class PublicFilterForm(forms.Form):
    q = forms.CharField(label=_("Institution"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)
    measure = forms.ChoiceField(label=_("Measure"), required=False,
                                choices=[("", _("All measures")), *Measure.choices])
    year = forms.ChoiceField(label=_("Year"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions")), *_region_choices()]
        years = range(timezone.localdate().year, FIRST_YEAR - 1, -1)
        self.fields["year"].choices = [("", _("All years")), *((str(year), str(year)) for year in years)]


def _public_rows(decisions) -> list[dict]:
    return [letter_services.public_decision_facts(decision) for decision in decisions]


@require_GET
def public_list(request):
    """Disclosed decisions in force, newest first (paged, no COUNT); an htmx request gets the rows alone."""
    page = paginate(request, letter_services.public_decisions(params=request.GET))
    page.object_list = _public_rows(page.object_list)
    template = "cases/public/_rows.html" if request.htmx else "cases/public/list.html"
    return render(request, template, {"form": PublicFilterForm(request.GET or None), "page": page})


@require_GET
def public_detail(request, number: str):
    """One disclosed decision in force; 404 for any other number."""
    decision = letter_services.public_decision_get(number)
    return render(request, "cases/public/detail.html", {
        "facts": letter_services.public_decision_facts(decision, detail=True)})


# --- verification of decision letters --------------------------------------------------------------------


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40, required=False,
                           help_text=_("The 16 characters printed on the decision letter; hyphens are optional."))
    file = forms.FileField(label=_("Or the letter's PDF file"), required=False,
                           help_text=_("At most 20 MB. The file is checked and not kept."))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not letter_services.normalise_code(cleaned.get("code")):
            raise forms.ValidationError(_("Type the verification code or choose the decision letter's PDF file."))
        return cleaned


def _verify_page(request, form, status=200, **flags):
    return render(request, "cases/public/verify.html", {"form": form, **flags}, status=status)


def verify(request):
    """The verification form: a code leads to its result page; an uploaded PDF is checked at once."""
    if request.method != "POST":
        form = VerifyForm(request.GET) if "code" in request.GET else VerifyForm()
        if form.is_bound and form.is_valid():
            return redirect("cases:verify_result", code=letter_services.normalise_code(form.cleaned_data["code"]))
        return _verify_page(request, form)
    try:
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > _VERIFY_BODY_LIMIT
    except ValueError:
        too_large = False
    if too_large:  # refused before the body is read
        return _verify_page(request, VerifyForm(), 413,
                            too_large=_("The file is too large; the largest file that can be checked is 20 MB."))
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _verify_page(request, form, 400)
    upload = form.cleaned_data.get("file")
    if not upload:
        return redirect("cases:verify_result", code=letter_services.normalise_code(form.cleaned_data["code"]))
    try:
        result = letter_services.letter_verify(content=verification_upload_read(upload),
                                               client_key=client_address(request))
    except letter_services.VerificationThrottled as error:
        return _verify_page(request, VerifyForm(), 429, throttled=error.message)
    except errors.ValidationFailed as error:
        apply_domain_error(form, error)
        return _verify_page(request, form, 400)
    if result is None:
        return _verify_page(request, VerifyForm(), 404, unknown_file=True)
    return render(request, "cases/public/verify_result.html", {"form": VerifyForm(), "result": result})


@require_GET
def verify_result(request, code: str):
    """Which decision the code belongs to and whether its letter is genuine; a friendly 404 with the form when
    no letter has it; 429 after too many unknown codes from one address."""
    form = VerifyForm(initial={"code": letter_services.format_code(letter_services.normalise_code(code))})
    try:
        result = letter_services.letter_verify(code=code, client_key=client_address(request))
    except letter_services.VerificationThrottled as error:
        return _verify_page(request, form, 429, throttled=error.message)
    if result is None:
        return _verify_page(request, form, 404, unknown=True)
    return render(request, "cases/public/verify_result.html", {"form": form, "result": result})


urlpatterns = [
    path("public/", public_list, name="public_list"),
    path("public/<str:number>/", public_detail, name="public_detail"),
    path("verify/", verify, name="verify"),
    path("verify/<str:code>/", verify_result, name="verify_result"),
]
