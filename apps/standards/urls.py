"""Pages of the standards app; each area's view module declares its own routes."""

from .views import adoption, conformance, effectiveness, lifecycle, plans, proposals, public, registry

app_name = "standards"
urlpatterns = [
    *registry.urlpatterns, *lifecycle.urlpatterns, *proposals.urlpatterns, *plans.urlpatterns,
    *adoption.urlpatterns, *conformance.urlpatterns, *effectiveness.urlpatterns, *public.urlpatterns,
]
