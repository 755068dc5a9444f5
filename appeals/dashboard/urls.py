from django.urls import path, re_path

from appeals.dashboard import bulk_views, misuse_views, stats_views, transparency_views, views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.take_next, name="take_next"),
    path("approvals/", views.approvals, name="approvals"),
    path("bulk/", bulk_views.bulk, name="bulk"),
    path("stats/", stats_views.stats, name="stats"),
    path("transparency/", transparency_views.transparency, name="transparency"),
    re_path(
        r"^transparency/report\.(?P<fmt>csv|json)$",
        transparency_views.transparency_download,
        name="transparency_download",
    ),
    path("misuse/", misuse_views.misuse, name="misuse"),
    path("misuse/<handle_key:key>/", misuse_views.person, name="misuse_person"),
    path("misuse/<handle_key:key>/warn/", misuse_views.warn, name="misuse_warn"),
    path("misuse/<handle_key:key>/block/", misuse_views.block, name="misuse_block"),
    path("misuse/<handle_key:key>/dismiss/", misuse_views.dismiss, name="misuse_dismiss"),
    path("misuse/<handle_key:key>/blocks/<int:pk>/lift/", misuse_views.lift, name="misuse_lift"),
    path("appeals/<reference:reference>/", views.case, name="case"),
    path("appeals/<reference:reference>/claim/", views.claim, name="claim"),
    path("appeals/<reference:reference>/release/", views.release, name="release"),
    path("appeals/<reference:reference>/request-info/", views.request_info, name="request_info"),
    path("appeals/<reference:reference>/message/", views.message, name="message"),
    path("appeals/<reference:reference>/decide/", views.decide, name="decide"),
    path("appeals/<reference:reference>/escalate/", views.escalate, name="escalate"),
    path("appeals/<reference:reference>/verify-identity/", views.verify_identity, name="verify_identity"),
    path("appeals/<reference:reference>/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("appeals/<reference:reference>/messages-sent/<int:pk>/resend/", views.resend, name="resend"),
    path("decisions/<int:pk>/approve/", views.approve, name="approve"),
    path("decisions/<int:pk>/send-back/", views.send_back, name="send_back"),
]
