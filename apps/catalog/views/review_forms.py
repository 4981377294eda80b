"""Forms of the review step page (SVC-2, SEC-4, SEC-9): naming reviewers, the conflict-of-interest
declaration, the decision with comments beside each answer, and the security assessment of an export."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import RouteStep
from ..services import routing

DECLARATION_TEXT = _(
    "I declare that I have no conflict of interest with the applying institution, the recipients of the data or "
    "the project of this application: no employment, financial, family or research tie that could affect my "
    "judgement. I will keep its content confidential and use it only for this review.")

DECISION_HELP = _("Returning or refusing needs reasons; approving with conditions needs the conditions. The "
                  "applicant reads them, and the comments beside each answer.")


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class AssignForm(forms.Form):
    users = ReviewerChoiceField(label=_("Reviewers to name"), queryset=None, widget=forms.CheckboxSelectMultiple,
                                help_text=_("Members of your organisation; nobody of the applying institution and no "
                                            "recipient of the data can be named. Naming replaces the list."))

    def __init__(self, *args, step: RouteStep, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = routing.eligible_reviewers(step)


class DeclarationForm(forms.Form):
    statement = forms.CharField(label=_("Declaration"), widget=forms.Textarea(attrs={"rows": 4}),
                                max_length=routing.MAX_COMMENT_CHARS, initial=DECLARATION_TEXT)
    confirm = forms.BooleanField(label=_("I confirm that this declaration is true."))


class DecisionForm(forms.Form):
    """The decision; one optional comment per answer (`comment_<answer>`), rendered beside each answer of the
    step page through the HTML `form` attribute."""

    FORM_ID = "decision-form"

    decision = forms.ChoiceField(label=_("Decision"), choices=RouteStep.Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Reasons and comments"), required=False, max_length=routing.MAX_COMMENT_CHARS,
                              widget=forms.Textarea(attrs={"rows": 4}), help_text=DECISION_HELP)
    conditions = forms.CharField(label=_("Conditions"), required=False, max_length=routing.MAX_COMMENT_CHARS,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Only for an approval with conditions; they become conditions of the "
                                             "grant."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in routing.answer_labels():
            self.fields[f"comment_{name}"] = forms.CharField(
                label=_("Comment on “%(answer)s”") % {"answer": label}, required=False,
                max_length=routing.MAX_COMMENT_CHARS,
                widget=forms.Textarea(attrs={"rows": 2, "form": self.FORM_ID, "class": "form-control form-control-sm"}))

    def main_fields(self):
        return [self[name] for name in ("decision", "comment", "conditions")]

    def answer_field(self, name):
        return self[f"comment_{name}"]

    def field_comments(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"comment_{name}", "") for name, _label in routing.answer_labels()
                if self.cleaned_data.get(f"comment_{name}")}


class AssessmentForm(forms.Form):
    reference = forms.CharField(label=_("Reference of the security assessment"), max_length=100,
                                help_text=_("The number of the security assessment of the data export."))
    assessed_on = forms.DateField(label=_("Date of the assessment"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
