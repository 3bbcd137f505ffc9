from django.urls import path

from onewindow.rural import views

app_name = "rural"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mine/", views.mine, name="mine"),
    path("register/", views.register, name="register"),
    path("station/", views.station, name="station"),
    path("station/sales/<str:ref>/handover/", views.handover, name="handover"),
    path("listings/<str:ref>/", views.listing, name="listing"),
    path("producers/<str:ref>/", views.producer, name="producer"),
    path("producers/<str:ref>/list/", views.new_listing, name="new-listing"),
]
