"""exit pages."""

urlpatterns: list = []
