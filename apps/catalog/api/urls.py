"""/api/v1/catalog/...: the same operations as the pages, scoped the same way."""

from . import applications, grants, letters, resources, review, rules

urlpatterns = [
    *resources.urlpatterns, *applications.urlpatterns, *review.urlpatterns, *rules.urlpatterns,
    *grants.urlpatterns, *letters.urlpatterns,
]
