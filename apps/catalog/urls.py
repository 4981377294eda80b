"""Pages of the catalog app; each area's view module declares its own routes."""

from .views import applications, dashboard, grants, letters, public, resources, review, rules

app_name = "catalog"
urlpatterns = [
    *resources.urlpatterns, *applications.urlpatterns, *review.urlpatterns, *rules.urlpatterns,
    *grants.urlpatterns, *letters.urlpatterns, *dashboard.urlpatterns, *public.urlpatterns,
]
