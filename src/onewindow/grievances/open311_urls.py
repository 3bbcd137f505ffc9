from django.urls import path

from onewindow.grievances import open311

app_name = "open311"

urlpatterns = [
    path("discovery.<str:fmt>", open311.discovery, name="discovery"),
    path("services.<str:fmt>", open311.services_list, name="services"),
    path("services/<str:code>.<str:fmt>", open311.service_definition, name="service-definition"),
    path("requests.<str:fmt>", open311.requests_view, name="requests"),
    path("requests/<str:ref>.<str:fmt>", open311.request_detail, name="request"),
    path("tokens/<str:token_id>.<str:fmt>", open311.token, name="token"),
]
