from django.urls import path

from onewindow.assistant import views

app_name = "assistant"
urlpatterns = [
    path("", views.ask, name="ask"),
    path("go/<str:token>/<slug:step>/", views.go, name="go"),
    path("answers/<str:token>/rating/", views.rate, name="rate"),
]
