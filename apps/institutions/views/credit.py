"""credit pages."""

urlpatterns: list = []
