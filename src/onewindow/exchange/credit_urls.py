from django.urls import path

from onewindow.exchange import credit_views

app_name = "credit"

urlpatterns = [
    path("", credit_views.search, name="search"),
    path("<str:credit_code>/", credit_views.profile, name="profile"),
    path("<str:credit_code>/own/", credit_views.own_profile, name="own"),
    path("<str:credit_code>/refresh/", credit_views.refresh, name="refresh"),
]
