from django.urls import path

from onewindow.exchange.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.search, name="search"),
    path("<str:credit_code>/", views.profile, name="profile"),
    path("<str:credit_code>/own/", views.own_profile, name="own"),
    path("<str:credit_code>/refresh/", views.refresh, name="refresh"),
]
