from django.urls import path

from onewindow.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.halls, name="halls"),
    path("mine/", views.mine, name="mine"),
    path("work/", views.work, name="work"),
    path("halls/<slug:code>/", views.hall, name="hall"),
    path("halls/<slug:code>/display/", views.display, name="display"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/pay/", views.pay, name="pay"),
]
