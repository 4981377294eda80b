"""API routes under /api/v1/inspections/; each area's module lists its own patterns."""

from . import checklists, dashboard, inspections, plans, public, rectification, reports

urlpatterns = [
    *plans.urlpatterns,
    *checklists.urlpatterns,
    *inspections.urlpatterns,
    *rectification.urlpatterns,
    *reports.urlpatterns,
    *dashboard.urlpatterns,
    *public.urlpatterns,
]
