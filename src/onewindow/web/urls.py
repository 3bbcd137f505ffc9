from django.urls import path

from onewindow.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set-language"),
    path("elder-mode/", views.set_elder_mode, name="set-elder-mode"),
    path("suggest/", views.suggest, name="suggest"),
    path("my-data/", views.who_read_my_data, name="who-read-my-data"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
