"""Reading the administrative divisions: jurisdiction (INS-1) and the department hierarchy (SUP-4).

A jurisdiction is a code prefix ("" the whole country, "35" Fujian, "3501" Fuzhou, "350102" Gulou):
every division whose code starts with it lies within it. The prefix match uses the
`region_code_prefix_idx` pattern index.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Region


def regions_within(prefix: str = "", *, max_level: int | None = None) -> QuerySet[Region]:
    """Every division within the jurisdiction `prefix` ("" = whole country), itself included,
    ordered by code; `max_level` keeps only provinces (1), down to prefectures (2) or all (3)."""
    queryset = Region.objects.all() if not prefix else Region.objects.filter(code__startswith=prefix)
    if max_level is not None:
        queryset = queryset.filter(level__lte=max_level)
    return queryset.order_by("code")


def region_choices_for(prefix: str = "", *, max_level: int | None = None) -> list[tuple[str, str]]:
    """(code, full name) pairs for a select widget, ordered by code so that each province is followed
    by its prefectures and each prefecture by its counties: ("350102", "福建省福州市鼓楼区").

    Two queries whatever the size: the divisions within `prefix` and, for the full names, their
    ancestors (which lie within the province, so within `prefix[:2]`)."""
    wanted = list(regions_within(prefix, max_level=max_level).values_list("code", flat=True))
    if not wanted:
        return []
    context = regions_within(prefix[:2]) if prefix else Region.objects.all()
    nodes = {code: (name, parent) for code, name, parent in context.values_list("code", "name", "parent_id")}

    def full_name(code: str) -> str:
        names = []
        while code is not None and code in nodes:
            name, code = nodes[code]
            names.append(name)
        return "".join(reversed(names))

    return [(code, full_name(code)) for code in wanted]


def region_path(code: str) -> list[Region]:
    """The division `code` and its ancestors, province first: [福建省, 福州市, 鼓楼区]. One query;
    [] for an unknown code."""
    if not code or len(code) != 6:
        return []
    candidates = {code[:2] + "0000", code[:4] + "00", code}
    by_code = {region.code: region for region in Region.objects.filter(code__in=candidates)}
    path: list[Region] = []
    node = by_code.get(code)
    while node is not None:
        path.append(node)
        parent = by_code.get(node.parent_id) if node.parent_id else None
        if parent is not None:
            node.parent = parent  # spares `full_name` and templates a query per ancestor
        node = parent
    path.reverse()
    if path and path[0].parent_id is not None:
        return []  # a parent outside the three candidate codes: data this module does not expect
    return path
