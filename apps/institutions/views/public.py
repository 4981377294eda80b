"""Public pages, no sign-in (SVC-5, INS-3, INS-4): the directory of institutions with their credit grades,
and the blacklist of suspended and revoked institutions with the disclosed decisions. What may be
shown is decided in apps.institutions.disclosure; these views only shape the request."""

from django import forms
from django.core.cache import cache
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.core.pagination import paginate
from apps.regions.selectors import region_choices_for

from .. import disclosure
from ..models import CreditGrade, Institution


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types")), *Institution.Type.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Provinces and cities nation-wide (a county code typed into the URL works as well).
        self.fields["region"].choices = [("", _("All regions")), *_region_choices()]


def _region_choices() -> list:
    """Every province and city with its full name: the same for every visitor, so cached for an hour."""
    return cache.get_or_set("institutions:public-region-choices",
                            lambda: region_choices_for("", max_level=2), 3600)


def _rows(page):
    """Attach the region's full name and the grade's band to each row (one query for all grades)."""
    grades = {grade.code: grade for grade in CreditGrade.objects.all()}
    for institution in page:
        institution.region_label = disclosure.region_label(institution)
        institution.grade_band = grades.get(institution.credit_grade)
    return page


def directory(request):
    """Search the disclosed institutions by name, region and type; no COUNT, no personal data."""
    form = DirectoryFilterForm(request.GET or None)
    page = _rows(paginate(request, disclosure.directory_search(request.GET)))
    template = "institutions/public/_directory_rows.html" if request.htmx else "institutions/public/directory.html"
    return render(request, template, {"form": form, "page": page})


def blacklist(request):
    """Suspended, revoked and blacklisted-grade institutions, each with its disclosed decision."""
    page = _rows(paginate(request, disclosure.blacklist()))
    for institution in page:
        institution.decision = disclosure.current_decision(institution)
    return render(request, "institutions/public/blacklist.html", {"page": page})


urlpatterns = [
    path("directory/", directory, name="directory"),
    path("blacklist/", blacklist, name="blacklist"),
]
