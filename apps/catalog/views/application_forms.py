"""Forms of the sharing application pages. They shape input; services/applications.py decides the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ApplicationDocument, SharingApplication
from ..services.applications import ANSWER_FIELDS, CREATE_REQUIRED

DOCUMENT_ACCEPT = "application/pdf,image/png,image/jpeg"

# Short explanations shown under the answers (SVC-2, SEC-8, SEC-9).
HELP = {
    "purpose": _("What the data are used for, and why the project cannot do without them."),
    "legal_basis_note": _("For example the statute, the consent procedure or the ethics approval number."),
    "period_end": _("At most three years; a renewal continues an approved use."),
    "security_measures": _("Storage, access control, audit, encryption in transfer and at rest, staff training."),
    "deidentification_method": _("Required for personal fields unless the legal basis allows identified data."),
    "deidentification_description": _("Which identifiers are removed or replaced, by whom, and how "
                                       "re-identification is prevented."),
    "cross_border": _("Tick only if the data leave mainland China; an export needs a security assessment "
                      "recorded by the department before approval."),
}
TEXTAREAS = {"purpose": 3, "project_description": 5, "legal_basis_note": 2, "security_measures": 4,
             "deidentification_description": 3}


class AnswersForm(forms.Form):
    """The answers of an application. Only what a draft needs to exist is required here; everything else is
    checked on the "check and submit" page, beside each answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ANSWER_FIELDS:
            model_field = SharingApplication._meta.get_field(name)
            field = model_field.formfield()
            field.required = name in CREATE_REQUIRED
            if name in TEXTAREAS:
                field.widget = forms.Textarea(attrs={"rows": TEXTAREAS[name]})
            if name in ("period_start", "period_end"):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            if isinstance(field, forms.ChoiceField):
                field.required = True  # a choice always has an answer (the method's default is "none")
            if name in HELP:
                field.help_text = HELP[name]
            self.fields[name] = field

    @classmethod
    def initial_from(cls, application: SharingApplication) -> dict:
        return {name: getattr(application, name) for name in ANSWER_FIELDS}


class RecipientForm(forms.Form):
    """A co-applicant, identified by account name and e-mail address together (nobody is found by guessing)."""

    username = forms.CharField(label=_("Account name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address of the account"))


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=ApplicationDocument.Kind.choices)
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                           help_text=_("A PDF, PNG or JPEG file of at most 10 MB."))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is the application withdrawn?"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class AcceptForm(forms.Form):
    accept = forms.BooleanField(label=_("I have read the data use agreement and accept it."),
                                error_messages={"required": _("Tick the box to accept the agreement.")})


class FollowupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Follow-up"), choices=[
        (SharingApplication.Kind.AMENDMENT, _("Amendment (fields, recipients, purpose)")),
        (SharingApplication.Kind.EXTENSION, _("Extension (a later end date)")),
        (SharingApplication.Kind.RENEWAL, _("Renewal (a new period after the granted one)")),
    ])


class PickerForm(forms.Form):
    q = forms.CharField(label=_("Search the catalog"), required=False, max_length=100)


class AgreementPublishForm(forms.Form):
    version = forms.CharField(label=_("Version"), max_length=20, help_text=_("For example 2026-2."))
    effective_from = forms.DateField(label=_("In effect from"), widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text=_("Today or earlier: a published version is in force at once."))
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}))
    text_en = forms.CharField(label=_("English text"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
                              help_text=_("Optional; the Chinese text prevails."))
