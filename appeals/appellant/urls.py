from django.urls import path

from appeals.appellant import views

app_name = "appeal"

urlpatterns = [
    path("", views.start, name="start"),
    path("find/", views.find, name="find"),
    path("find/sent/", views.find_sent, name="find_sent"),
    path("lost-address/", views.lost_address, name="lost_address"),
    path("lost-address/sent/", views.lost_address_sent, name="lost_address_sent"),
    path("sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("case/", views.case, name="case"),
    path("case/appeal/", views.file_appeal, name="file"),
    path("inbox/", views.inbox, name="inbox"),
    path("appeals/<reference:reference>/", views.status, name="status"),
    path("appeals/<reference:reference>/filed/", views.filed, name="filed"),
    path("appeals/<reference:reference>/reply/", views.reply, name="reply"),
    path("appeals/<reference:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("appeals/<reference:reference>/decision/", views.decision, name="decision"),
    path("appeals/<reference:reference>/evidence/<int:pk>/", views.evidence, name="evidence"),
]
