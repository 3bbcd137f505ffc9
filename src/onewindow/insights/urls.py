from django.urls import path

from onewindow.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("indicators/<slug:key>/", views.indicator, name="indicator"),
    path("reports/<str:ref>/", views.published_report, name="report"),
    path("reports/<str:ref>/data.csv", views.report_data, name="report-data"),
    path("work/", views.work, name="work"),
    path("work/indicators.csv", views.work_export, name="work-export"),
    path("work/studies/new/", views.design, name="design"),
    path("work/studies/<str:ref>/", views.study, name="study"),
    path("work/studies/<str:ref>/publish/", views.publish, name="publish"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/", views.visit, name="visit"),
]
