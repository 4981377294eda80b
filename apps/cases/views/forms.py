"""Forms of the case pages (SUP-3). They shape input for the services and nothing more: which measures a
severity allows, whether the defence period has passed, who may act, are decided in apps/cases/services/.

Field names follow the services' keyword arguments, so a service's `ValidationFailed(field_errors=...)` lands
under the field it concerns (apps.core.forms.apply_domain_error)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Organisation, User
from apps.core import policy
from apps.institutions.models import Institution
from apps.workdays.services import add_working_days

from ..ladder import ARTICLES, LADDER, Measure, Severity
from ..models import Appeal, Case

DATE = {"type": "date"}
# The default defence period of a notice, in working days (the service applies the same default).
DEFAULT_DEFENCE_DAYS = 10
FILES_LABEL = _("Documents (PDF, PNG or JPEG, at most 10 MB each, at most 10 files)")
OFFICER_ROLES = ("case_officer", "department_head")


def article_choices() -> list[tuple[str, object]]:
    return [(code, label) for code, label in ARTICLES.items()]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploads under one name; the services check each by content before storing any."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("label", FILES_LABEL)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _text(label, *, rows=3, required=True, help_text="", max_length=None):
    return forms.CharField(label=label, required=required, help_text=help_text, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


class InstitutionField(forms.CharField):
    """An institution of the user's jurisdiction by its unified social credit code or its exact name (the
    registry is far too long for a list); anything outside the jurisdiction is simply not found."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Institution"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _("Its unified social credit code or its exact name, in your jurisdiction."))
        super().__init__(**kwargs)
        self.user = None

    def clean(self, value):
        text = (super().clean(value) or "").strip()
        rows = policy.visible(self.user, Institution.objects.select_related("organisation", "region"),
                              "institutions.view_institution")
        found = list(rows.filter(credit_code=text.upper())[:2]) or list(rows.filter(name=text)[:2])
        if not found:
            raise forms.ValidationError(_("No institution in your jurisdiction has this code or name."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several institutions have this name; give the credit code."))
        return found[0]


# --- opening a case ----------------------------------------------------------------------------------------


class OpenForm(forms.Form):
    institution = InstitutionField()
    source = forms.ChoiceField(label=_("Opened from"), choices=Case.Source.choices)
    source_reference = forms.CharField(label=_("Source reference"), required=False, max_length=200,
                                       help_text=_("Number of the finding, incident or complaint."))
    title = forms.CharField(label=_("Subject"), max_length=200)
    facts = _text(_("Facts"), rows=6)
    articles = forms.MultipleChoiceField(label=_("Articles violated"), choices=article_choices,
                                         widget=forms.CheckboxSelectMultiple)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    suspected_illegal = forms.BooleanField(
        label=_("Suspected illegal act"), required=False,
        help_text=_("Only a case suspected to be an illegal act may be transferred to judicial organs."))
    files = MultipleFileField(label=_("Evidence (PDF, PNG or JPEG, at most 10 MB each, at most 10 files)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].user = user


class PartyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.CharField(label=_("Position"), max_length=200)
    responsibility = _text(_("Responsibility in the facts"), rows=2, required=False)


PartyFormSet = forms.formset_factory(PartyForm, extra=2, max_num=20, validate_max=True)


def parties_of(formset) -> list[dict]:
    """The filled rows of the responsible-persons formset (empty rows are skipped)."""
    return [{"name": row["name"], "position": row["position"], "responsibility": row.get("responsibility", "")}
            for row in formset.cleaned_data if row and row.get("name")]


# --- officers, persons, evidence ---------------------------------------------------------------------------


def officer_candidates(case):
    """Active case officers and heads of the active departments covering the institution's region."""
    code = case.region_id or ""
    prefixes = {code[:length] for length in range(len(code) + 1)}
    departments = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, is_active=True,
                                              jurisdiction_prefix__in=prefixes)
    return (User.objects.filter(is_active=True, organisation__in=departments, groups__name__in=OFFICER_ROLES)
            .exclude(pk__in=case.officers.filter(is_active=True).values("user_id"))
            .select_related("organisation").distinct().order_by("full_name", "pk"))


def _person_label(user) -> str:
    organisation = user.organisation.name if user.organisation_id else ""
    return f"{user.get_full_name()} · {organisation}" if organisation else user.get_full_name()


class OfficerAssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Case officer"), queryset=User.objects.none())
    lead = forms.BooleanField(label=_("Lead officer"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = officer_candidates(case)
        self.fields["user"].label_from_instance = _person_label


class OfficerReleaseForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Case officer"), queryset=User.objects.none())
    reason = _text(_("Reason"), rows=2)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (User.objects.filter(pk__in=case.officers.filter(is_active=True)
                                                            .values("user_id"))
                                        .select_related("organisation").order_by("full_name", "pk"))
        self.fields["user"].label_from_instance = _person_label


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("Evidence (PDF, PNG or JPEG, at most 10 MB each, at most 10 files)"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)


# --- notice, defence, waiver, hearing ----------------------------------------------------------------------


class MeasuresMixin:
    """Checkboxes of the Article 40 ladder with one details box per measure (`details_<measure>`)."""

    def add_measure_fields(self, *, label):
        self.fields["measures"] = forms.MultipleChoiceField(
            label=label, choices=Measure.choices, required=False, widget=forms.CheckboxSelectMultiple)
        for kind in LADDER:
            self.fields[f"details_{kind}"] = forms.CharField(
                label=_("Details of “%(measure)s”") % {"measure": Measure(kind).label}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))

    def measure_rows(self) -> list[dict]:
        """[{"kind", "label", "checkbox" (bound subwidget), "details" (bound field), ...}] in ladder order."""
        boxes = {choice.data["value"]: choice for choice in self["measures"]}
        return [{"kind": kind, "label": Measure(kind).label, "checkbox": boxes[kind],
                 "details": self[f"details_{kind}"]} for kind in LADDER]


class NoticeForm(MeasuresMixin, forms.Form):
    facts = _text(_("Facts as notified"), rows=6)
    articles = forms.MultipleChoiceField(label=_("Articles violated"), choices=article_choices,
                                         widget=forms.CheckboxSelectMultiple)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    defence_deadline = forms.DateField(
        label=_("Defence due by"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text=_("By default 10 working days from today; at least 5 working days."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_measure_fields(label=_("Proposed measures"))
        if not self.is_bound:
            self.initial.setdefault("defence_deadline", add_working_days(timezone.localdate(), DEFAULT_DEFENCE_DAYS))

    def proposed_measures(self) -> list[dict]:
        chosen = self.cleaned_data.get("measures") or []
        return [{"measure": kind, "details": self.cleaned_data.get(f"details_{kind}", "")}
                for kind in LADDER if kind in chosen]


class DefenceForm(forms.Form):
    statement = _text(_("Statement of defence"), rows=8, required=False,
                      help_text=_("Your account of the facts, and anything the department should consider before "
                                  "it decides."))
    files = MultipleFileField(label=FILES_LABEL)
    hearing_requested = forms.BooleanField(
        label=_("We ask to be heard"), required=False,
        help_text=_("The department then schedules a hearing; it does not decide before the hearing is held "
                    "or your request is withdrawn."))
    waives_period = forms.BooleanField(
        label=_("We waive the rest of the defence period"), required=False,
        help_text=_("Tick this only if your defence is complete: the department may then decide before the "
                    "deadline, and you can submit nothing more on this notice."))


class WaiverForm(forms.Form):
    files = MultipleFileField(label=_("The signed written waiver (PDF, PNG or JPEG)"))
    note = _text(_("Note"), rows=2, required=False, help_text=_("How and when the waiver was received."))


class HearingScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                              format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class HearingRecordForm(forms.Form):
    held = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                             choices=[("yes", _("The hearing was held")),
                                      ("no", _("The institution did not attend"))])
    minutes = _text(_("Minutes"), rows=6, required=False)
    files = MultipleFileField(label=_("Hearing record (PDF, PNG or JPEG)"))


# --- decision, execution, closing --------------------------------------------------------------------------


class DecideForm(MeasuresMixin, forms.Form):
    facts = _text(_("Facts established"), rows=6)
    articles = forms.MultipleChoiceField(label=_("Articles violated"), choices=article_choices,
                                         widget=forms.CheckboxSelectMultiple)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    reasoning = _text(_("Reasons"), rows=6)
    defence_answer = _text(_("Answer to the defence"), rows=4, required=False,
                           help_text=_("Required when the institution stated a defence: why it is accepted or not."))
    disclosed = forms.BooleanField(label=_("Disclose the decision to the public"), required=False)
    public_summary = _text(_("Public summary"), rows=3, required=False,
                           help_text=_("What the public page shows; required when the decision is disclosed."))
    disclose_persons = forms.BooleanField(
        label=_("Disclose the names of the responsible persons"), required=False,
        help_text=_("Without this, the public page shows no personal names."))
    deadline_rectification = forms.DateField(
        label=_("Rectification deadline"), required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    parties_disciplinary = forms.MultipleChoiceField(label=_("Responsible persons"), required=False,
                                                     widget=forms.CheckboxSelectMultiple)
    competent_body_disciplinary = forms.CharField(label=_("Competent body"), required=False, max_length=200)
    is_proposal_disciplinary = forms.BooleanField(
        label=_("Only propose the sanction to the competent body"), required=False)
    judicial_organ_judicial = forms.CharField(label=_("Judicial organ"), required=False, max_length=200)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_measure_fields(label=_("Measures"))
        self.fields["parties_disciplinary"].choices = [(str(party.pk), str(party)) for party in parties]

    def measures(self) -> list[dict]:
        """The measures in the services' shape: every key present, the kind-specific ones filled for their kind."""
        data = self.cleaned_data
        chosen = data.get("measures") or []
        rows = []
        for kind in LADDER:
            if kind not in chosen:
                continue
            rows.append({
                "kind": kind, "details": data.get(f"details_{kind}", ""),
                "deadline": data.get("deadline_rectification") if kind == Measure.RECTIFICATION else None,
                "party_ids": [int(pk) for pk in data.get("parties_disciplinary") or []]
                if kind == Measure.DISCIPLINARY else [],
                "competent_body": data.get("competent_body_disciplinary", "") if kind == Measure.DISCIPLINARY else "",
                "is_proposal": bool(data.get("is_proposal_disciplinary")) if kind == Measure.DISCIPLINARY else False,
                "judicial_organ": data.get("judicial_organ_judicial", "") if kind == Measure.JUDICIAL else "",
            })
        return rows


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), rows=3, required=False)


class ExecuteForm(forms.Form):
    note = _text(_("Execution record"), rows=3, required=False, help_text=_("What was done, when and by whom."))
    files = MultipleFileField(label=FILES_LABEL)


class CloseForm(forms.Form):
    note = _text(_("Closing note"), rows=3, required=False)


# --- appeals -----------------------------------------------------------------------------------------------


class AppealForm(forms.Form):
    grounds = _text(_("Grounds of appeal"), rows=8, required=False,
                    help_text=_("Which findings or measures of the decision you contest, and why."))
    files = MultipleFileField(label=FILES_LABEL)


REVIEW_OUTCOMES = [
    (Appeal.Status.UPHELD, _("Uphold the decision")),
    (Appeal.Status.QUASHED, _("Quash the decision (its measures are revoked)")),
    (Appeal.Status.REMITTED, _("Set the decision aside and send the case back for a new notice")),
]


class AppealReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=REVIEW_OUTCOMES,
                                widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    reasons = _text(_("Reasons of the review"), rows=6, required=False)


# --- list filters ------------------------------------------------------------------------------------------


def institution_in_jurisdiction(user, pk) -> Institution | None:
    """An institution offered as the default of the opening form (?institution=<id>), when the user sees it."""
    if not str(pk).isdigit():
        return None
    return policy.visible(user, Institution.objects.all(), "institutions.view_institution").filter(
        Q(pk=int(pk))).first()
