"""HTML routes of the inspections app; each area's view module lists its own patterns."""

from .views import checklists, dashboard, inspections, plans, public, rectification, reports

app_name = "inspections"

urlpatterns = [
    *plans.urlpatterns,
    *checklists.urlpatterns,
    *inspections.urlpatterns,
    *rectification.urlpatterns,
    *reports.urlpatterns,
    *dashboard.urlpatterns,
    *public.urlpatterns,
]
