"""Cascading division pickers (province -> city -> county) for forms, public and signed-in alike."""

from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import Region


def child_options(parent_code: str) -> list[Region]:
    """Divisions directly below `parent_code`; a city without counties offers itself (e.g. Dongguan)."""
    parent = Region.objects.filter(code=parent_code).first()
    if parent is None or parent.level == Region.Level.COUNTY:
        return []
    children = list(Region.objects.filter(parent=parent).order_by("code"))
    if not children and parent.level == Region.Level.PREFECTURE:
        return [parent]
    return children


@require_GET
@cache_control(max_age=3600, public=True)
def region_options(request):
    """<option> elements for the divisions below ?parent= (htmx swaps them into the next select)."""
    parent = request.GET.get("parent") or next(
        (value for key, value in request.GET.items() if key.endswith(("__province", "__city"))), "")
    options = child_options(parent) if parent.isdigit() and len(parent) == 6 else []
    reset = request.GET.get("reset", "")
    return render(request, "regions/_options.html", {
        "options": options, "placeholder": request.GET.get("placeholder", ""),
        "reset": reset if reset.replace("_", "").isalnum() else "",
    })
