"""How institution data reads on a page: one place for labels and values, used by every profile view."""

from ..models import Institution
from ..services.registry import PROFILE_FIELDS


def value_display(name: str, value) -> str:
    """A stored value as people read it: choice labels instead of codes, a dash for nothing."""
    if value in ("", None):
        return "—"
    if name == "region":
        return str(value.full_name if hasattr(value, "full_name") else value)
    field = Institution._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def profile_rows(institution: Institution) -> list[tuple[str, str]]:
    """(label, value) for every profile field, in form order."""
    return [(Institution._meta.get_field(name).verbose_name, value_display(name, getattr(institution, name)))
            for name in PROFILE_FIELDS]
