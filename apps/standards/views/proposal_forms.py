"""Forms of the proposal pages (STD-2): the public proposal form and the officers' decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import StandardProposal
from ..services.proposals import MIN_REASON_CHARS
from .registry_forms import category_choices


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("You propose"), choices=StandardProposal.Kind.choices,
                             initial=StandardProposal.Kind.NEW)
    target = forms.CharField(label=_("Code of the standard to revise"), required=False, max_length=40,
                             help_text=_("Only for a revision: a published standard, e.g. WS/T 500.1-2016."))
    title = forms.CharField(label=_("Proposed title"), max_length=300, required=False,
                            help_text=_("For a revision, leave empty to keep the standard's title."))
    category = forms.TypedChoiceField(label=_("Category of the standard system (if you know it)"), required=False,
                                      coerce=int, empty_value=None)
    reason = forms.CharField(label=_("Reason and need"), widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("What problem the standard solves and who needs it (at least %(count)d "
                                         "characters).") % {"count": MIN_REASON_CHARS})
    content = forms.CharField(label=_("Main content"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    proposer_name = forms.CharField(label=_("Your name"), max_length=100)
    proposer_organisation = forms.CharField(label=_("Your organisation (optional)"), max_length=200, required=False)
    proposer_email = forms.EmailField(label=_("E-mail"), help_text=_(
        "We send the number of your proposal and the decision to this address; it is never published."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("I do not know")), *category_choices()]

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        ("accept", _("Accept: register the project")), ("reject", _("Do not accept"))])
    reason = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("Required when the proposal is not accepted; sent to the proposer."))
    code = forms.CharField(label=_("Code of the project"), required=False, max_length=40, help_text=_(
        "Leave empty for a provisional code (WS/T XXX-20XX; a revision keeps the number of its standard)."))
    title = forms.CharField(label=_("Title of the project"), required=False, max_length=300,
                            help_text=_("Leave empty to keep the proposed title."))
    category = forms.TypedChoiceField(label=_("Framework category"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("As proposed")), *category_choices()]

    def project_data(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in ("code", "title", "category")
                if self.cleaned_data.get(key) not in (None, "")}
