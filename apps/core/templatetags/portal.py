from django import template

register = template.Library()

_SELECTS = {"select", "selectmultiple"}


@register.filter
def control(field):
    """Render a form field's widget with Bootstrap classes and the invalid state, keeping its own attrs."""
    css = "form-select" if field.widget_type in _SELECTS else "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)
