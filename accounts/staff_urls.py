from django.urls import path

from accounts import staff_views

app_name = "staff"

urlpatterns = [
    path("login/", staff_views.sign_in, name="login"),
    path("login/code/", staff_views.verify_code, name="verify"),
    path("login/setup/", staff_views.enrol, name="enrol"),
    path("logout/", staff_views.sign_out, name="logout"),
]
