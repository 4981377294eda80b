"""Forms of the registry pages (STD-1): the search filters, the registration/edit form, the text upload.

The forms only shape input; every rule (codes, dates, supersession) lives in services/registry.py."""

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Organisation

from ..models import FrameworkCategory, Standard, normalise_code
from ..services.registry import REGISTRABLE_STATUSES

INDENT = "\u2003"  # an em space: sub-categories stand under their parent in a select


def category_label(category: FrameworkCategory) -> str:
    """`02.01 数据元与值域代码`, or the English name in English; children indented under their parent."""
    name = category.name_en if (get_language() or "").startswith("en") and category.name_en else category.name
    return f"{INDENT * category.code.count('.')}{category.code} {name}"


def category_choices() -> list[tuple]:
    return [(category.pk, category_label(category))
            for category in FrameworkCategory.objects.order_by("code").only("pk", "code", "name", "name_en")]


def category_filter(code: str) -> Q:
    """A category and everything under it (`02` includes `02.01`...)."""
    return Q(category__code=code) | Q(category__code__startswith=f"{code}.")


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value


class StandardFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or title"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    nature = forms.ChoiceField(label=_("Nature"), required=False,
                               choices=[("", _("Any nature")), *Standard.Nature.choices])
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("Any level")), *Standard.Level.choices])
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *(
            (category.code, category_label(category)) for category in FrameworkCategory.objects.order_by("code"))]
        statuses = statuses or Standard.Status.choices
        self.fields["status"].choices = [("", _("Any status")), *statuses]


def search_text(value, limit: int = 100) -> str:
    """A search term from the query string, without NUL characters (PostgreSQL refuses them in text, which
    would answer 500 to a mistyped or hostile URL)."""
    return (value or "").replace("\x00", "").strip()[:limit]


def standard_search(rows, params, *, with_nature_level: bool = True):
    """Apply the filters of StandardFilterForm to `rows` (invalid values are ignored, not errors)."""
    query = search_text(params.get("q"))
    if query:
        rows = rows.filter(Q(code__icontains=normalise_code(query)) | Q(title__icontains=query)
                           | Q(title_en__icontains=query))
    category = search_text(params.get("category"))
    if category:
        rows = rows.filter(category_filter(category))
    if with_nature_level and params.get("nature") in Standard.Nature.values:
        rows = rows.filter(nature=params["nature"])
    if with_nature_level and params.get("level") in Standard.Level.values:
        rows = rows.filter(level=params["level"])
    if params.get("status") in Standard.Status.values:
        rows = rows.filter(status=params["status"])
    return rows


class StandardForm(forms.Form):
    """Registry data; `status` only when registering (a project, or a standard already issued)."""

    code = forms.CharField(label=_("Code"), max_length=40,
                           help_text=_("For example WS/T 500.1-2016 or GB/T 39725-2020. A project may carry a "
                                       "provisional code: WS/T XXX-20XX for a new standard, WS 363.1-20XX for "
                                       "the revision of WS 363.1."))
    title = forms.CharField(label=_("Title"), max_length=300)
    title_en = forms.CharField(label=_("English title"), max_length=400, required=False)
    status = forms.ChoiceField(label=_("Registered as"), choices=[
        (value, label) for value, label in Standard.Status.choices if value in REGISTRABLE_STATUSES])
    nature = forms.ChoiceField(label=_("Nature"), required=False,
                               choices=[("", _("As the code says")), *Standard.Nature.choices])
    level = forms.ChoiceField(label=_("Level"), required=False,
                              choices=[("", _("As the code says")), *Standard.Level.choices])
    category = forms.TypedChoiceField(label=_("Framework category"), coerce=int)
    responsible_department = forms.ModelChoiceField(
        label=_("Responsible department"), required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, is_active=True).order_by("name"))
    scope_note = forms.CharField(label=_("Scope of application"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    published_on = forms.DateField(label=_("Published"), required=False, widget=DateInput)
    in_force_on = forms.DateField(label=_("In force from"), required=False, widget=DateInput)
    abolished_on = forms.DateField(label=_("Abolished"), required=False, widget=DateInput)
    supersedes = forms.CharField(label=_("Supersedes (code)"), required=False, max_length=40,
                                 help_text=_("The code of the version this one replaces, for example WS 363.1-2011."))
    allow_other_series = forms.BooleanField(
        label=_("It replaces a standard of another series (for example a WS standard revised as WS/T)"),
        required=False)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *category_choices()]
        if not creating:
            del self.fields["status"]

    def clean_supersedes(self):
        code = self.cleaned_data.get("supersedes", "").strip()
        if not code:
            return None
        found = Standard.objects.filter(code=normalise_code(code)).first()
        if found is None:
            raise forms.ValidationError(_("No standard with the code %(code)s is registered.")
                                        % {"code": normalise_code(code)})
        return found

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("status", None)
        return data

    @staticmethod
    def initial_for(standard: Standard) -> dict:
        return {"code": standard.code, "title": standard.title, "title_en": standard.title_en,
                "nature": standard.nature, "level": standard.level, "category": standard.category_id,
                "responsible_department": standard.responsible_department_id, "scope_note": standard.scope_note,
                "published_on": standard.published_on, "in_force_on": standard.in_force_on,
                "abolished_on": standard.abolished_on,
                "supersedes": standard.supersedes.code if standard.supersedes_id else "",
                "allow_other_series": bool(standard.supersedes_id and standard.supersedes.series != standard.series)}


class TextUploadForm(forms.Form):
    text = forms.FileField(label=_("Text of the standard (PDF)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))
