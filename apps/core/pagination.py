"""The same no-COUNT pagination for HTML lists (templates/partials/pagination.html renders it)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404


@dataclass
class Page:
    object_list: list
    number: int
    page_size: int
    has_next: bool
    query: dict

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def _url(self, number: int) -> str:
        params = dict(self.query, page=number)
        return "?" + urlencode(params, doseq=True)

    @property
    def next_url(self) -> str:
        return self._url(self.number + 1)

    @property
    def previous_url(self) -> str:
        return self._url(self.number - 1)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def paginate(request, queryset, page_size: int = 25) -> Page:
    try:
        number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        raise Http404("page") from None
    offset = (number - 1) * page_size
    rows = list(queryset[offset: offset + page_size + 1])
    if not rows and number > 1:
        raise Http404("page")
    query = {key: request.GET.getlist(key) for key in request.GET if key != "page"}
    return Page(rows[:page_size], number, page_size, len(rows) > page_size, query)
