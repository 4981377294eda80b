"""Forms of the framework and work-plan pages (STD-4). They shape input; the services decide the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Organisation

from ..models import FrameworkCategory, PlannedStandard, Standard, WorkPlanItem, normalise_code

DATE = {"type": "date"}


class OptionalStandardField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Registered standard (code)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "standard-codes", "autocomplete": "off"})

    def clean(self, value):
        code = normalise_code(super().clean(value) or "")
        if not code:
            return None
        standard = Standard.objects.filter(code=code).first()
        if standard is None:
            raise forms.ValidationError(_("No standard with the code %(code)s is registered."), params={"code": code})
        return standard


class OrganisationField(forms.CharField):
    """An organisation by its unified social credit code or its exact name (the list is too long to choose)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Responsible organisation"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _("Its exact name or unified social credit code."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        rows = Organisation.objects.filter(is_active=True)
        found = list(rows.filter(credit_code=text.upper())[:2]) or list(rows.filter(name=text)[:2])
        if not found:
            raise forms.ValidationError(_("No active organisation has this name or code."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several organisations have this name; give the credit code."))
        return found[0]


class CategoryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=16)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    parent = forms.ModelChoiceField(label=_("Parent category"), required=False,
                                    queryset=FrameworkCategory.objects.order_by("code"),
                                    empty_label=_("(top level)"))
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlannedStandardForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Framework category"),
                                      queryset=FrameworkCategory.objects.order_by("code"))
    title = forms.CharField(label=_("Title"), max_length=300)
    priority = forms.ChoiceField(label=_("Priority"), choices=PlannedStandard.Priority.choices,
                                 initial=PlannedStandard.Priority.NORMAL)
    target_year = forms.IntegerField(label=_("Target year"), required=False, min_value=2000, max_value=2100)
    standard = OptionalStandardField(help_text=_("Once the standard is registered."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WorkPlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class WorkPlanItemForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = OrganisationField()
    owner_person = forms.CharField(label=_("Responsible person"), max_length=100, required=False)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs=DATE))
    standard = OptionalStandardField()
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    status = forms.ChoiceField(label=_("Status"), choices=WorkPlanItem.Status.choices)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs=DATE))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs=DATE))


class ReachForm(forms.Form):
    done_on = forms.DateField(label=_("Reached on"), widget=forms.DateInput(attrs=DATE))
