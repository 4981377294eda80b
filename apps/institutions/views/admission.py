"""admission pages."""

urlpatterns: list = []
