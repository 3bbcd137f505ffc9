from django.urls import path

from onewindow.transparency import views

app_name = "transparency"

urlpatterns = [
    path("", views.dataset_list, name="list"),
    path("catalog.jsonld", views.catalog_jsonld, name="catalog"),
    path("dataset/<slug:name>/", views.dataset_detail, name="dataset"),
    path("dataset/<slug:name>.jsonld", views.dataset_jsonld, name="dataset-jsonld"),
    path("dataset/<slug:name>/download.<str:fmt>", views.download, name="download"),
    path("spending/", views.spending, name="spending"),
    path("fiscal/<slug:name>/datapackage.json", views.fiscal_descriptor, name="fiscal-package"),
    path("fiscal/<slug:name>/<str:file>", views.fiscal_csv, name="fiscal-file"),
    path("procurement/", views.procurement_list, name="procurement"),
    path("procurement/releases.json", views.procurement_all, name="procurement-all"),
    path("procurement/<str:ocid>/", views.procurement_detail, name="procurement-detail"),
    path(
        "procurement/<str:ocid>/releases.json",
        views.procurement_release_package,
        name="procurement-releases",
    ),
    path(
        "procurement/<str:ocid>/record.json",
        views.procurement_record_package,
        name="procurement-record",
    ),
]
