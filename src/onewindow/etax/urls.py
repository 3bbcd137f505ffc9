from django.urls import path

from onewindow.etax import views

app_name = "etax"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("file/", views.file, name="file"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/pay/", views.pay, name="pay"),
]
