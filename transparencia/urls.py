from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from metas.staff.password import LimitedPasswordResetView

# A forgotten password is reset by e-mail with Django's own views, under /gestion/contrasena/;
# the form answers the same whether or not an address belongs to a user, and is limited per
# address and per client.
password_reset_urls = [
    path(
        "",
        LimitedPasswordResetView.as_view(success_url=reverse_lazy("password_reset_done")),
        name="password_reset",
    ),
    path("enviado/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "nueva/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "lista/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff sign-in for /gestion/ (LOGIN_URL = "login"); signing out is a POST.
    path(
        "gestion/entrar/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("gestion/salir/", auth_views.LogoutView.as_view(next_page="metas:home"), name="logout"),
    path("gestion/contrasena/", include(password_reset_urls)),
    path("", include("metas.urls")),
]

# A database that cannot be reached answers 503 with Retry-After; any other error, the 500 page.
handler500 = "metas.views.errors.server_error"
