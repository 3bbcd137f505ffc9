"""CKAN's addresses: /api/3/action/<name> and /api/action/<name> (both answer in CKAN)."""

from django.urls import path

from onewindow.transparency import ckan

app_name = "ckan"

urlpatterns = [
    path("3/action/<str:name>", ckan.action, name="action"),
    path("action/<str:name>", ckan.action, name="action-unversioned"),
    path("3/action/help_show/<str:name>", ckan.help_text, name="help"),
]
