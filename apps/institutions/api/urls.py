"""/api/v1/institutions/...: the same operations as the pages, scoped the same way (INS-8 access port)."""

from . import admission, credit, entrustment, exit, imports, profile_change, registry, transfer

urlpatterns = [
    *registry.urlpatterns, *admission.urlpatterns, *credit.urlpatterns, *exit.urlpatterns,
    *imports.urlpatterns, *transfer.urlpatterns, *entrustment.urlpatterns,
    *profile_change.urlpatterns,
]
