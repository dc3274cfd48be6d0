from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff sign-in for /gestion/ (LOGIN_URL = "login"); signing out is a POST.
    path(
        "gestion/entrar/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("gestion/salir/", auth_views.LogoutView.as_view(next_page="metas:home"), name="logout"),
    path("", include("metas.urls")),
]



