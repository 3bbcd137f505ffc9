from django.urls import path

from onewindow.exchange import views

app_name = "exchange"

urlpatterns = [
    path("jwks.json", views.jwks, name="jwks"),
    path("<str:provider>/<str:service>", views.exchange, name="call"),
]
