from django.urls import path

from appeals.dashboard import bulk_views, stats_views, views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.take_next, name="take_next"),
    path("approvals/", views.approvals, name="approvals"),
    path("bulk/", bulk_views.bulk, name="bulk"),
    path("stats/", stats_views.stats, name="stats"),
    path("appeals/<str:reference>/", views.case, name="case"),
    path("appeals/<str:reference>/claim/", views.claim, name="claim"),
    path("appeals/<str:reference>/release/", views.release, name="release"),
    path("appeals/<str:reference>/request-info/", views.request_info, name="request_info"),
    path("appeals/<str:reference>/message/", views.message, name="message"),
    path("appeals/<str:reference>/decide/", views.decide, name="decide"),
    path("appeals/<str:reference>/escalate/", views.escalate, name="escalate"),
    path("appeals/<str:reference>/verify-identity/", views.verify_identity, name="verify_identity"),
    path("appeals/<str:reference>/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("appeals/<str:reference>/messages-sent/<int:pk>/resend/", views.resend, name="resend"),
    path("decisions/<int:pk>/approve/", views.approve, name="approve"),
    path("decisions/<int:pk>/send-back/", views.send_back, name="send_back"),
]
