"""Forms of the route table pages (SVC-2): a rule, and taking one out of use. Validation is the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import SENSITIVITY_LEVELS, DataCategory, Jurisdictions, OpenForm, SharingType, StepKind

ANY = [("", _("Any"))]


class RuleForm(forms.Form):
    priority = forms.IntegerField(label=_("Priority"), min_value=1, max_value=32767,
                                  help_text=_("Rules are tried from the lowest number; the first match decides."))
    name = forms.CharField(label=_("Name"), max_length=100)
    min_level = forms.TypedChoiceField(label=_("From level"), choices=SENSITIVITY_LEVELS, coerce=int, initial=1)
    max_level = forms.TypedChoiceField(label=_("To level"), choices=SENSITIVITY_LEVELS, coerce=int, initial=5)
    category = forms.ChoiceField(label=_("Data category"), choices=ANY + DataCategory.choices, required=False)
    open_form = forms.ChoiceField(label=_("Open form"), choices=ANY + OpenForm.choices, required=False)
    sharing_type = forms.ChoiceField(label=_("Sharing type"), choices=ANY + SharingType.choices, required=False)
    jurisdictions = forms.ChoiceField(label=_("Jurisdictions of the parties"), choices=Jurisdictions.choices,
                                      initial=Jurisdictions.ANY)
    steps = forms.MultipleChoiceField(label=_("Review steps"), choices=StepKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Decided in this order: provider, municipal, provincial, the "
                                                  "applicant's province, national."))
    refuse = forms.BooleanField(label=_("Refuse at submission"), required=False)
    refusal_reason = forms.CharField(label=_("Reason given to the applicant"), max_length=300, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    reason = forms.CharField(label=_("Why the table changes"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Kept in the rule's history."))

    def rule_data(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "reason"}


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Why the rule is taken out of use"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
