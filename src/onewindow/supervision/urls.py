from django.urls import path

from onewindow.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.plans, name="plans"),
    path("algorithm/", views.algorithm, name="algorithm"),
    path("plans/<str:ref>/", views.plan, name="plan"),
    path("plans/<str:ref>/<str:name>", views.plan_file, name="plan-file"),
    path("work/", views.work, name="work"),
    path("cases/", views.case_links, name="cases"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/<str:ref>/", views.inspection, name="inspection"),
]
