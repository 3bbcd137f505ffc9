"""The pages of data sharing, under /exchange/ (the machine-to-machine exchange, /exchange/v1/, is
in urls.py; credit profiles are in credit/)."""

from django.urls import path

from onewindow.exchange import views

app_name = "data"

urlpatterns = [
    path("", views.sharing, name="sharing"),
    path("services/<str:code>/request/", views.request_grant, name="request-grant"),
    path("grants/<int:pk>/", views.grant, name="grant"),
    path("log/", views.log, name="log"),
    path("report/<int:pk>/", views.report, name="report"),
    path("misuse/", views.cases, name="misuse-cases"),
    path("misuse/<str:case>/", views.case, name="misuse-case"),
]
