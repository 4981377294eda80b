"""API routes under /api/v1/cases/ (names `api:cases-...`); each area's module lists its own patterns."""

from . import appeals, cases, dashboard, decisions, letters, procedure, public, rectification

urlpatterns = [
    *cases.urlpatterns,
    *procedure.urlpatterns,
    *decisions.urlpatterns,
    *appeals.urlpatterns,
    *dashboard.urlpatterns,
    *public.urlpatterns,
    *letters.urlpatterns,
    *rectification.urlpatterns,
]
