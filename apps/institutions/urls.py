"""Pages of the institutions app; each area's view module declares its own routes."""

from .views import (
    admission,
    credit,
    documents,
    entrustment,
    exit,
    imports,
    profile_change,
    public,
    registry,
    transfer,
)

app_name = "institutions"
urlpatterns = [
    *registry.urlpatterns, *admission.urlpatterns, *documents.urlpatterns, *credit.urlpatterns,
    *exit.urlpatterns, *public.urlpatterns, *imports.urlpatterns, *transfer.urlpatterns,
    *entrustment.urlpatterns, *profile_change.urlpatterns,
]
