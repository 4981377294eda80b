"""Forms of the catalog pages (SVC-1, SEC-1, SVC-3): search filters, the entry form with its fields and
stage responsibilities as formsets, the review decision and the retirement.

The forms only shape input; every rule lives in services/resources.py."""

from __future__ import annotations

import re

from django import forms
from django.forms import formset_factory
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..models import SENSITIVITY_LEVELS, DataCategory, LifecycleStage, OpenForm, SharingType, UpdateFrequency
from ..services.resources import OUTSIDE_MAINLAND_PREFIXES, VERSION_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


def _region_label(region) -> str:
    return region.name_en if (get_language() or "").startswith("en") and region.name_en else region.name


def province_choices() -> list[tuple[str, str]]:
    """Province-level regions of mainland China (SEC-9)."""
    from apps.regions.models import Region

    rows = Region.objects.filter(level=Region.Level.PROVINCE).only("code", "name", "name_en").order_by("code")
    return [(row.code, _region_label(row)) for row in rows if row.code[:2] not in OUTSIDE_MAINLAND_PREFIXES]


def region_filter_choices() -> list[tuple[str, str]]:
    """Provinces and their prefectures, for the search's region filter (a code prefix)."""
    from apps.regions.selectors import region_choices_for

    return [("", _("All regions")), *region_choices_for("", max_level=2)]


LEVEL_CHOICES = [("", _("Any level")), *((str(value), label) for value, label in SENSITIVITY_LEVELS)]


class CatalogSearchForm(forms.Form):
    """The catalog filters (selectors.apply_filters reads the same names from the query string)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Data category"), required=False,
                                 choices=[("", _("All categories")), *DataCategory.choices])
    level = forms.ChoiceField(label=_("Sensitivity level"), required=False, choices=LEVEL_CHOICES)
    min_level = forms.ChoiceField(label=_("At least level"), required=False,
                                  choices=[("", _("Any level")), *((str(v), label) for v, label in SENSITIVITY_LEVELS)])
    sharing_type = forms.ChoiceField(label=_("Sharing type"), required=False,
                                     choices=[("", _("Any sharing type")), *SharingType.choices])
    open_form = forms.ChoiceField(label=_("Open form"), required=False,
                                  choices=[("", _("Any open form")), *OpenForm.choices])
    region = forms.ChoiceField(label=_("Region"), required=False)
    standard = forms.CharField(label=_("Standard followed (code)"), required=False, max_length=40)
    provider = forms.IntegerField(label=_("Provider"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_filter_choices()
        if public:
            del self.fields["open_form"]  # the public sees fully public entries only (SVC-5)


class VersionForm(forms.Form):
    """A version's metadata; `standards` are codes, one per line or separated by commas."""

    title = forms.CharField(label=_("Title"), max_length=200)
    title_en = forms.CharField(label=_("English title"), max_length=250, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    description_en = forms.CharField(label=_("English description"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False,
                               help_text=_("Separated by commas or spaces."))
    category = forms.ChoiceField(label=_("Data category"), choices=[("", "—"), *DataCategory.choices],
                                 help_text=_("The categories of GB/T 39725-2020, Guide for health data security."))
    sharing_type = forms.ChoiceField(label=_("Sharing type"), choices=[("", "—"), *SharingType.choices])
    open_form = forms.ChoiceField(label=_("Open form"), choices=[("", "—"), *OpenForm.choices],
                                  help_text=_("Only fully public entries are shown to the public and exported."))
    update_frequency = forms.ChoiceField(label=_("Update frequency"), choices=[("", "—"), *UpdateFrequency.choices])
    data_format = forms.CharField(label=_("Format"), max_length=100, help_text=_("For example CSV, HL7 CDA, DICOM."))
    volume = forms.CharField(label=_("Volume"), max_length=100,
                             help_text=_("For example \"1.2 million records, 40 GB\"."))
    coverage_start = forms.DateField(label=_("Time coverage from"), widget=DateInput)
    coverage_end = forms.DateField(label=_("Time coverage to"), required=False, widget=DateInput,
                                   help_text=_("Empty while the resource is still being collected."))
    storage_province = forms.ChoiceField(
        label=_("Storage province"),
        help_text=_("Health and medical big data are stored on servers inside mainland China (SEC-9)."))
    storage_description = forms.CharField(label=_("Storage location"), max_length=200, required=False,
                                          help_text=_("Data centre or system, without network addresses."))
    standards = forms.CharField(
        label=_("Standards followed"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Codes of standards in the registry, one per line or separated by commas, for example "
                    "WS 363.1-2023."))
    change_summary = forms.CharField(label=_("What changed"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text=_("For a new version: what is different from the published one."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storage_province"].choices = [("", "—"), *province_choices()]

    def clean_standards(self) -> list[str]:
        text = self.cleaned_data.get("standards") or ""
        return [code.strip() for code in re.split(r"[,;，；\n]+", text) if code.strip()]

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in VERSION_FIELDS}

    @staticmethod
    def initial_for(version) -> dict:
        initial = {name: getattr(version, name) for name in VERSION_FIELDS if name != "storage_province"}
        initial["storage_province"] = version.storage_province_id
        initial["standards"] = "\n".join(version.standards.order_by("code").values_list("code", flat=True))
        return initial


class FieldForm(forms.Form):
    """One data item (SEC-1)."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    element_code = forms.CharField(label=_("Data element code"), max_length=40, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    level = forms.TypedChoiceField(label=_("Sensitivity level"), coerce=int, required=False, empty_value=None,
                                   choices=[("", "—"), *SENSITIVITY_LEVELS])
    personal = forms.BooleanField(label=_("Personal information"), required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(key) for key in ("name", "name_en", "element_code", "description", "level"))


class ResponsibilityForm(forms.Form):
    """The named person responsible for one lifecycle stage (SVC-3)."""

    stage = forms.ChoiceField(choices=LifecycleStage.choices, widget=forms.HiddenInput)
    person_name = forms.CharField(label=_("Responsible person"), max_length=100, required=False)
    position = forms.CharField(label=_("Position or department"), max_length=100, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False)


class BaseFieldFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled-in rows, without the deleted and the blank ones, in their order."""
        rows = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or (self.can_delete and self._should_delete_form(form)):
                continue
            if form.is_blank():
                continue
            rows.append({key: form.cleaned_data.get(key) for key in ("name", "name_en", "element_code",
                                                                       "description", "level", "personal")})
        return rows


class BaseResponsibilityFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The stages that have any entry; the service says which are incomplete."""
        return [dict(form.cleaned_data) for form in self.forms
                if hasattr(form, "cleaned_data") and form.cleaned_data.get("stage")
                and any(form.cleaned_data.get(key) for key in ("person_name", "position", "phone"))]


FieldFormSet = formset_factory(FieldForm, formset=BaseFieldFormSet, extra=0, can_delete=True, max_num=500,
                               absolute_max=500)
ResponsibilityFormSet = formset_factory(ResponsibilityForm, formset=BaseResponsibilityFormSet, extra=0,
                                        max_num=len(LifecycleStage.values), absolute_max=len(LifecycleStage.values),
                                        validate_max=True)


def responsibility_initial(version=None) -> list[dict]:
    """The eight stages in order, with the version's people when there is one."""
    existing = {row.stage: row for row in version.responsibilities.all()} if version is not None else {}
    initial = []
    for stage in LifecycleStage.values:
        row = existing.get(stage)
        initial.append({"stage": stage, "person_name": row.person_name if row else "",
                        "position": row.position if row else "", "phone": row.phone if row else ""})
    return initial


def field_initial(version=None) -> list[dict]:
    if version is None:
        return [{}]
    return [{"name": field.name, "name_en": field.name_en, "element_code": field.element_code,
             "description": field.description, "level": field.level, "personal": field.personal}
            for field in version.fields.order_by("position", "pk")] or [{}]


def with_extra_field_row(data, prefix: str = "fields"):
    """The submitted data with one more (empty) field row: the server-side "add a field" button."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except (TypeError, ValueError):
        total = 0
    data[key] = str(min(total + 1, 500))
    return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approve and publish")), ("return", _("Return for correction"))])
    comment = forms.CharField(label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Required when returning: say what must be corrected."))


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason for retirement"), widget=forms.Textarea(attrs={"rows": 3}))
