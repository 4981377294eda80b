"""Forms of the grant pages (SVC-3, SEC-8). They shape input; the grant services decide the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import DataGrant, DataRelease, DeidentificationMethod, DestructionCertificate, GrantReport

DOCUMENT_ACCEPT = "application/pdf,image/png,image/jpeg"


class GrantFilterForm(forms.Form):
    q = forms.CharField(label=_("Grant number or project"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *DataGrant.Status.choices])
    expiring = forms.BooleanField(label=_("Ending within 30 days"), required=False)
    overdue = forms.BooleanField(label=_("Report or certificate overdue"), required=False)


class _ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        return f"{item.resource.code} · {item.version.title}"


class _FieldChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, field):
        flag = " ⚑" if field.personal else ""
        return f"{field.name}{flag}"


class DeidentificationForm(forms.Form):
    item = _ItemChoiceField(label=_("Resource"), queryset=None, empty_label=None)
    method = forms.ChoiceField(label=_("Method"), choices=[
        choice for choice in DeidentificationMethod.choices if choice[0] != DeidentificationMethod.NONE])
    description = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Which identifiers were removed, replaced or generalised, and how "
                                              "re-identification was assessed."))
    evidence = forms.FileField(label=_("Evidence"), widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                               help_text=_("A PDF, PNG or JPEG file: de-identification report, tool log, "
                                           "re-identification risk assessment."))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, prefix="deid", **kwargs)
        self.fields["item"].queryset = items


class ReleaseForm(forms.Form):
    item = _ItemChoiceField(label=_("Resource"), queryset=None, empty_label=None)
    fields = _FieldChoiceField(
        label=_("Fields released"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when every granted field of the resource is released. ⚑ = personal information."))
    recipient = forms.ModelChoiceField(label=DataRelease._meta.get_field("recipient").verbose_name, queryset=None,
                                       empty_label=None)
    deidentification = forms.ModelChoiceField(
        label=_("De-identification record"), queryset=None, required=False, empty_label=_("None"),
        help_text=_("Required when personal fields are released and the legal basis does not allow identified "
                    "data (SEC-8)."))
    description = forms.CharField(label=DataRelease._meta.get_field("description").verbose_name,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    file_name = forms.CharField(label=DataRelease._meta.get_field("file_name").verbose_name, max_length=200)
    checksum = forms.CharField(label=DataRelease._meta.get_field("checksum").verbose_name, max_length=100,
                               help_text=_("64 hexadecimal characters, as sha256sum prints them."))
    record_count = forms.IntegerField(label=DataRelease._meta.get_field("record_count").verbose_name,
                                      required=False, min_value=0)

    def __init__(self, *args, items, fields, recipients, deidentifications, **kwargs):
        super().__init__(*args, prefix="release", **kwargs)
        self.fields["item"].queryset = items
        self.fields["fields"].queryset = fields
        self.fields["recipient"].queryset = recipients
        self.fields["recipient"].label_from_instance = lambda user: f"{user.get_full_name()} · {user.organisation}"
        self.fields["deidentification"].queryset = deidentifications
        self.fields["deidentification"].label_from_instance = (
            lambda record: f"{record.item.resource.code} · {record.get_method_display()} · "
                           f"{timezone.localtime(record.recorded_at):%Y-%m-%d}")


class ReportForm(forms.Form):
    content = forms.CharField(label=GrantReport._meta.get_field("content").verbose_name,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Progress of the project, how the data were used and protected, results."))
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                                 help_text=_("A PDF, PNG or JPEG file."))


class CertificateForm(forms.Form):
    destroyed_on = forms.DateField(label=DestructionCertificate._meta.get_field("destroyed_on").verbose_name,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.CharField(label=DestructionCertificate._meta.get_field("method").verbose_name,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Every copy, backups included: how and by whom it was destroyed."))
    signed_by_name = forms.CharField(label=DestructionCertificate._meta.get_field("signed_by_name").verbose_name,
                                     max_length=100)
    document = forms.FileField(label=DestructionCertificate._meta.get_field("document").verbose_name,
                               widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                               help_text=_("The signed certificate as a PDF, PNG or JPEG file."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="certificate", **kwargs)
        self.fields["destroyed_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for revocation"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The grantee and the providers read it."))
    breach = forms.BooleanField(label=_("Revoked for a breach of the grant's conditions (affects the grantee's "
                                        "credit)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="revoke", **kwargs)
