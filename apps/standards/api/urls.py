"""/api/v1/standards/...: the same operations as the pages, scoped the same way."""

from . import adoption, conformance, effectiveness, lifecycle, plans, registry

urlpatterns = [
    *registry.urlpatterns, *lifecycle.urlpatterns, *plans.urlpatterns, *adoption.urlpatterns,
    *conformance.urlpatterns, *effectiveness.urlpatterns,
]
