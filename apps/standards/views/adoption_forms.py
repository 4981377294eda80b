"""Forms of the adoption and conformance pages. They shape input; the services decide the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ConformanceEvaluation, FrameworkCategory, Standard, normalise_code

EVIDENCE_ACCEPT = "application/pdf,image/png,image/jpeg"


class StandardCodeField(forms.CharField):
    """A standard typed by its code (suggestions from a datalist); any registered code is accepted here so
    the service can explain why an abolished, superseded or draft one cannot be declared."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Standard (code)"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", _("For example WS 363.1-2023; choose from the suggestions."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": "standard-codes", "autocomplete": "off"})

    def clean(self, value):
        code = normalise_code(super().clean(value))
        standard = Standard.objects.filter(code=code).first()
        if standard is None:
            raise forms.ValidationError(_("No standard with the code %(code)s is registered."),
                                        params={"code": code})
        return standard


class DeclareForm(forms.Form):
    standard = StandardCodeField()
    since = forms.DateField(label=_("Applied since"), widget=forms.DateInput(attrs={"type": "date"}))
    systems = forms.CharField(label=_("Systems that apply it"), widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("For example the electronic medical record system, the LIS."))
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
                               help_text=_("A PDF, PNG or JPEG file: test report, acceptance record..."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["since"].widget.attrs["max"] = timezone.localdate().isoformat()


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is it no longer applied?"), max_length=500)


class AdoptionFilterForm(forms.Form):
    scope = forms.ChoiceField(label=_("Standards"), required=False,
                              choices=[("mandatory", _("Mandatory standards")), ("all", _("All standards in use"))])
    category = forms.ModelChoiceField(label=_("Framework category"), required=False,
                                      queryset=FrameworkCategory.objects.order_by("position", "code"),
                                      empty_label=_("All categories"))


class ChangesFilterForm(forms.Form):
    days = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False, empty_value=1,
                                  choices=[(1, _("Last 24 hours")), (7, _("Last 7 days")), (30, _("Last 30 days"))])


class SelfAssessmentForm(forms.Form):
    standard = StandardCodeField()
    result = forms.ChoiceField(label=_("Result of the self-assessment"),
                               choices=ConformanceEvaluation.Result.choices)
    assessment = forms.CharField(label=_("How the institution applies the standard"),
                                 widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
                               help_text=_("A PDF, PNG or JPEG file."))


class ResubmitForm(SelfAssessmentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["standard"]


class EvaluationForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=ConformanceEvaluation.Result.choices)
    level = forms.ChoiceField(label=_("Level"), choices=ConformanceEvaluation.Level.choices,
                              help_text=_("Conforms: excellent, good or pass. Partly: pass or fail. "
                                          "Does not conform: fail."))
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("Required unless the institution conforms."))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("What is missing"), widget=forms.Textarea(attrs={"rows": 3}))
