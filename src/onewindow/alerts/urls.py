from django.urls import path

from onewindow.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.public_list, name="list"),
    path("feed.atom", views.feed, name="feed"),
    path("feed/<str:code>.atom", views.division_feed, name="division-feed"),
    path("work/", views.work, name="work"),
    path("work/new/", views.compose, name="compose"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/informed/", views.informed, name="informed"),
    path("places/", views.places, name="places"),
    path("health-code/", views.health_code, name="health-code"),
    path("health-codes/", views.health_colour, name="health-colour"),
    path("<str:ref>.xml", views.cap_xml, name="cap"),
    path("<str:ref>.xml.jws", views.cap_signature, name="signature"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/approve/", views.approve, name="approve"),
    path("<str:ref>/reject/", views.reject, name="reject"),
    path("<str:ref>/review/", views.review, name="review"),
]
