"""Page-number pagination without COUNT(*): one extra row tells whether a next page exists.

At a million rows a COUNT on every page costs more than the page itself (see docs/performance.md)."""

from collections import OrderedDict

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class NoCountPagination(BasePagination):
    page_size = 25
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"

    def _positive(self, request, name, default, maximum=None):
        raw = request.query_params.get(name, default)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise NotFound(f"Invalid {name}: {raw!r}") from None
        if value < 1:
            raise NotFound(f"Invalid {name}: {raw!r}")
        return min(value, maximum) if maximum else value

    def paginate_queryset(self, queryset, request, view=None):
        from django.conf import settings

        default_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", self.page_size)
        self.request = request
        self.size = self._positive(request, self.page_size_query_param, default_size, self.max_page_size)
        self.number = self._positive(request, self.page_query_param, 1)
        offset = (self.number - 1) * self.size
        rows = list(queryset[offset: offset + self.size + 1])
        self.has_next = len(rows) > self.size
        if not rows and self.number > 1:
            raise NotFound(InvalidPage.__name__)
        return rows[: self.size]

    def _link(self, number):
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        return Response(OrderedDict([
            ("page", self.number),
            ("page_size", self.size),
            ("next", self._link(self.number + 1) if self.has_next else None),
            ("previous", self._link(self.number - 1) if self.number > 1 else None),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["page", "page_size", "results"],
            "properties": {
                "page": {"type": "integer", "example": 1},
                "page_size": {"type": "integer", "example": 25},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
