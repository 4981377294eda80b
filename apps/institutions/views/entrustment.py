"""entrustment pages."""

urlpatterns: list = []
