"""Forms of the registry and admission pages. They only shape input; the services validate the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.regions.widgets import RegionPickerWidget

from .models import REQUIRED_DOCUMENTS, Document, Institution
from .services.registry import PROFILE_FIELDS, REQUIRED_FIELDS

DOCUMENT_ACCEPT = "application/pdf,image/png,image/jpeg"


class ProfileForm(forms.Form):
    """The institution profile (INS-1, INS-5); `prefix_limit` narrows the region picker to a jurisdiction."""

    def __init__(self, *args, region_prefix: str = "", fields=PROFILE_FIELDS, **kwargs):
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(Institution, fields=[f for f in fields if f != "region"])
        for name in fields:
            if name == "region":
                self.fields["region"] = forms.CharField(
                    label=Institution._meta.get_field("region").verbose_name,
                    widget=RegionPickerWidget(prefix=region_prefix))
            else:
                self.fields[name] = model_fields[name]
            self.fields[name].required = name in REQUIRED_FIELDS
        if "hospital_grade" in self.fields:
            self.fields["hospital_grade"].help_text = _("Only for hospitals.")

    def profile_data(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.fields if name in PROFILE_FIELDS}


class AccountFields(forms.Form):
    """The applicant's own real-name account (SEC-5)."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Your full name"), max_length=100)
    identity_number = forms.CharField(label=_("Resident identity number"), max_length=18)
    email = forms.EmailField(label=_("E-mail"))
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False),
                               help_text=_("At least 12 characters, with three of: lower case, upper case, digits, "
                                           "symbols."))
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(render_value=False))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data

    def account_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in
                ("username", "full_name", "identity_number", "email", "mobile", "password")}


def _document_field(kind: str, required: bool) -> forms.FileField:
    return forms.FileField(label=Document.Kind(kind).label, required=required,
                           widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                           help_text=_("PDF, PNG or JPEG, at most 10 MB."))


class ApplicationFields(forms.Form):
    purpose = forms.CharField(label=_("Intended data activities"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What health data the entity will collect, mine or apply, and why."))

    def __init__(self, *args, documents_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in REQUIRED_DOCUMENTS:
            self.fields[f"document_{kind}"] = _document_field(kind, documents_required)
        self.fields["document_other"] = _document_field("other", False)

    def documents(self) -> dict:
        kinds = [*REQUIRED_DOCUMENTS, "other"]
        return {kind: self.cleaned_data.get(f"document_{kind}") for kind in kinds
                if self.cleaned_data.get(f"document_{kind}")}


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when returning (what to correct) or refusing (the reasons)."))


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document type"), choices=[
        (value, label) for value, label in Document.Kind.choices if value != Document.Kind.DECISION])
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                           help_text=_("PDF, PNG or JPEG, at most 10 MB."))


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types")), *Institution.Type.choices])
    hospital_grade = forms.ChoiceField(label=_("Hospital grade"), required=False,
                                       choices=[("", _("All grades")), *Institution.Grade.choices])
    credit_grade = forms.ChoiceField(label=_("Credit grade"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Institution.Status.choices])

    def __init__(self, *args, region_choices=(), credit_grades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Whole jurisdiction")), *region_choices]
        self.fields["credit_grade"].choices = [("", _("All credit grades")), *[(g, g) for g in credit_grades]]
