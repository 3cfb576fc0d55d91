from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from tuopin.api import api
from tuopin.offline import views as offline_views
from tuopin.org import views as org_views
from tuopin.org.forms import AdminLoginForm

admin.site.site_header = "tuopin 后台管理"
admin.site.site_title = "tuopin 后台"
admin.site.index_title = "脱贫攻坚指挥部后台"
admin.site.login_form = AdminLoginForm

handler403 = org_views.permission_denied
handler404 = org_views.page_not_found

urlpatterns = [
    path("", org_views.home, name="home"),
    path("login/", org_views.login_view, name="login"),
    path("logout/", org_views.logout_view, name="logout"),
    path("org/", include("tuopin.org.urls")),
    path("plan/", include("tuopin.plan.urls")),
    path("reports/", include("tuopin.reports.urls")),
    path("registry/", include("tuopin.registry.urls")),
    path("assess/", include("tuopin.assess.urls")),
    path("cases/", include("tuopin.cases.urls")),
    path("command/", include("tuopin.command.urls")),
    path("projects/", include("tuopin.projects.urls")),
    path("villages/", include("tuopin.villages.urls")),
    path("water/", include("tuopin.water.urls")),
    path("jobs/", include("tuopin.jobs.urls")),
    path("bulletin/", include("tuopin.bulletin.urls")),
    path("dashboard/", include("tuopin.dashboard.urls")),
    path("offline/", include("tuopin.offline.urls")),
    path("households/", include("tuopin.households.urls")),
    # The service worker must be served from the root to control every page.
    path("sw.js", offline_views.service_worker, name="offline_sw"),
    path("manifest.webmanifest", offline_views.manifest, name="offline_manifest"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
]
