"""HTML routes of the cases app under /cases/; each area's view module lists its own patterns.

Literal prefixes (mine/, new/, appeals/, statistics/, public/, verify/, institution/, rectifications/,
decisions/, measures/, hearings/, documents/) never collide with the case page `<int:pk>/`, which takes
digits only; the lists are still concatenated with the literal routes first."""

from .views import appeals, cases, dashboard, decisions, letters, procedure, public, rectification

app_name = "cases"

urlpatterns = [
    *dashboard.urlpatterns,
    *public.urlpatterns,
    *letters.urlpatterns,
    *rectification.urlpatterns,
    *appeals.urlpatterns,
    *decisions.urlpatterns,
    *procedure.urlpatterns,
    *cases.urlpatterns,
]
