"""transfer endpoints of the regulatory access port."""

urlpatterns: list = []
