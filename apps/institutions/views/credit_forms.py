"""Forms of the credit pages (INS-3). They only shape input; the credit services validate the rules."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import CreditGrade, CreditRule, CreditScheme, CreditTrigger
from ..services.credit_actions import ADJUSTMENT_LIMIT, MIN_REASON


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


class DateInput(forms.DateInput):
    input_type = "date"


class ChangeReasonMixin(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the history of the record."))


class AdjustForm(forms.Form):
    points = forms.IntegerField(label=_("Points"), min_value=-ADJUSTMENT_LIMIT, max_value=ADJUSTMENT_LIMIT)
    until = forms.DateField(
        label=_("In force until"), required=False, widget=DateInput(),
        help_text=_("Leave empty for the adjustment rule's standard period."))
    reason = forms.CharField(
        label=_("Written reason"), min_length=MIN_REASON, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the institution and kept in the history."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].help_text = gettext("Negative to deduct, positive to add (at most %(n)d either "
                                                  "way).") % {"n": ADJUSTMENT_LIMIT}


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Grounds of the objection"), min_length=MIN_REASON, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Explain why the item is wrong and name any evidence (documents, rectification records)."))


class ObjectionDecisionForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda value: value == "uphold",
        choices=[("uphold", _("Uphold: withdraw the item and recompute the rating")),
                 ("reject", _("Reject: the item stays"))])
    reason = forms.CharField(label=_("Reasons for the decision"), min_length=MIN_REASON,
                             widget=forms.Textarea(attrs={"rows": 4}))


class RuleForm(ChangeReasonMixin, forms.Form):
    code = forms.CharField(label=_label(CreditRule, "code"), max_length=32,
                           help_text=_("Capital letters, digits and hyphens, e.g. FINDING-MAJOR."))
    trigger = forms.ChoiceField(label=_label(CreditRule, "trigger"), choices=CreditTrigger.choices)
    description = forms.CharField(label=_label(CreditRule, "description"), max_length=200)
    description_en = forms.CharField(label=_label(CreditRule, "description_en"), max_length=300, required=False)
    points = forms.IntegerField(label=_label(CreditRule, "points"),
                                help_text=_("Negative for a deduction, positive for an addition."))
    duration_days = forms.IntegerField(label=_label(CreditRule, "duration_days"), min_value=1)
    is_active = forms.BooleanField(label=_label(CreditRule, "is_active"), required=False, initial=True)

    field_order = ["code", "trigger", "description", "description_en", "points", "duration_days", "is_active",
                   "reason"]

    def __init__(self, *args, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:  # code and trigger identify what recorded events were raised under
            del self.fields["code"]
            del self.fields["trigger"]


class GradeForm(ChangeReasonMixin, forms.Form):
    label = forms.CharField(label=_label(CreditGrade, "label"), max_length=50)
    label_en = forms.CharField(label=_label(CreditGrade, "label_en"), max_length=50, required=False)
    min_score = forms.IntegerField(label=_label(CreditGrade, "min_score"))
    inspection_interval_months = forms.IntegerField(label=_label(CreditGrade, "inspection_interval_months"),
                                                    min_value=1)
    may_apply_for_data = forms.BooleanField(label=_label(CreditGrade, "may_apply_for_data"), required=False)
    on_blacklist = forms.BooleanField(label=_label(CreditGrade, "on_blacklist"), required=False)
    proposes_suspension = forms.BooleanField(label=_label(CreditGrade, "proposes_suspension"), required=False)

    field_order = ["label", "label_en", "min_score", "inspection_interval_months", "may_apply_for_data",
                   "on_blacklist", "proposes_suspension", "reason"]


class SchemeForm(ChangeReasonMixin, forms.Form):
    base_score = forms.IntegerField(label=_label(CreditScheme, "base_score"))
    min_score = forms.IntegerField(label=_label(CreditScheme, "min_score"))
    max_score = forms.IntegerField(label=_label(CreditScheme, "max_score"))
    readmission_wait_days = forms.IntegerField(label=_label(CreditScheme, "readmission_wait_days"), min_value=0,
                                               help_text=CreditScheme._meta.get_field("readmission_wait_days")
                                               .help_text)

    field_order = ["base_score", "min_score", "max_score", "readmission_wait_days", "reason"]
