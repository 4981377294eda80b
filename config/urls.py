from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.admin_site import install_otp_admin

install_otp_admin(admin.site)

api_v1 = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.notifications.api.urls")),
    path("institutions/", include("apps.institutions.api.urls")),
    path("standards/", include("apps.standards.api.urls")),
    path("catalog/", include("apps.catalog.api.urls")),
    path("inspections/", include("apps.inspections.api.urls")),
    path("cases/", include("apps.cases.api.urls")),
]

urlpatterns = [
    path("", include("apps.core.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("institutions/", include("apps.institutions.urls")),
    path("standards/", include("apps.standards.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("inspections/", include("apps.inspections.urls")),
    path("cases/", include("apps.cases.urls")),
    path("regions/", include("apps.regions.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
