from django.urls import path

from onewindow.grievances import views

app_name = "grievances"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("track/", views.track, name="track"),
    path("wall/", views.wall, name="wall"),
    path("wall/<str:ref>/", views.wall_case, name="wall-case"),
    path("mine/", views.mine, name="mine"),
    path("cases/<str:ref>/", views.case, name="case"),
    path("reviews/", views.my_reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("console/", views.console, name="console"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("dispatch/merges/<int:pk>/", views.decide_merge, name="decide-merge"),
    path("dispatch/transfers/<int:pk>/", views.decide_contest, name="decide-contest"),
    path("dispatch/<str:ref>/", views.dispatch_case, name="dispatch-case"),
    path("work/", views.work, name="work"),
    path("work/<str:ref>/", views.work_case, name="work-case"),
    path("scoreboard/", views.scoreboard, name="scoreboard"),
    path("trends/", views.trends, name="trends"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("mediation/", views.disputes, name="disputes"),
    path("mediation/<str:ref>/", views.dispute, name="dispute"),
    path("partners/", views.partners, name="partners"),
]
