from django.urls import path

from onewindow.cityops import views

app_name = "cityops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("district/<str:code>/", views.district, name="district"),
    path("live/", views.live_events, name="live"),
    path("map.geojson", views.map_document, name="map"),
    path("work/", views.work, name="work"),
    path("rejected/", views.rejected, name="rejected"),
    path("sensors/", views.sensors, name="sensors"),
    path("events/<str:ref>/", views.detail, name="event"),
    path("events/<str:ref>/accept/", views.accept, name="accept"),
    path("events/<str:ref>/dispatch/", views.dispatch, name="dispatch"),
    path("events/<str:ref>/join/", views.join, name="join"),
    path("events/<str:ref>/progress/", views.progress, name="progress"),
    path("events/<str:ref>/close/", views.close, name="close"),
    path("events/<str:ref>/escalate/", views.escalate, name="escalate"),
    path("events/<str:ref>/return/", views.give_back, name="return"),
]
