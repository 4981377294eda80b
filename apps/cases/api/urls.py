app_name = "cases_api"
urlpatterns = []
