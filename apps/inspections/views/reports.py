"""HTML views (filled in by the area's work)."""

urlpatterns: list = []
