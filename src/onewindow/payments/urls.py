from django.urls import path

from onewindow.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("webhooks/<str:provider>/", views.webhook, name="webhook"),
    path("demo-provider/<str:payment_id>/", views.demo_pay, name="demo-pay"),
    path("work/<str:ref>/refund/", views.refund, name="refund"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/return/", views.returned, name="return"),
]
