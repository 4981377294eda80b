"""documents pages."""

urlpatterns: list = []
