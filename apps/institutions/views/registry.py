"""registry pages."""

urlpatterns: list = []
