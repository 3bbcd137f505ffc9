"""/applications/: the applicant's pages, and the officers' work queue under work/."""

from django.urls import path

from onewindow.applications import views
from onewindow.applications.delivery import views as delivery_views

app_name = "applications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/<str:code>/", views.new, name="new"),
    # Before "<str:ref>/": "work" is not an application's reference.
    path("work/", views.queue, name="queue"),
    path("work/hall-filing/", views.hall_filing, name="hall-filing"),
    path("work/bulk/", views.bulk, name="bulk"),
    path("work/steps/<int:pk>/", views.work, name="work"),
    path("work/steps/<int:pk>/materials/<int:upload_pk>/", views.material, name="material"),
    path("work/deliveries/", delivery_views.deliveries, name="deliveries"),
    path("work/deliveries/<int:pk>/", delivery_views.delivery, name="delivery"),
    # Public: investment projects by their code, with their approval stages.
    path("projects/", views.projects, name="projects"),
    path("projects/<str:code>/", views.project, name="project"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/supplements/", views.supplement, name="supplement"),
    path("<str:ref>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:ref>/fetched/<str:key>/", views.fetched, name="fetched"),
]
