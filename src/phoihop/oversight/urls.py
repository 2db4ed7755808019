from django.urls import path

from phoihop.oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.board, name="board"),
    path("inbox/", views.inbox, name="inbox"),
    path("figures/", views.figures, name="figures"),
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("supervisions/", views.supervision_list, name="supervision-list"),
    path("supervisions/new/", views.supervision_create, name="supervision-create"),
    path("supervisions/<int:pk>/", views.supervision_detail, name="supervision-detail"),
    path("supervisions/<int:pk>/edit/", views.supervision_edit, name="supervision-edit"),
    path("supervisions/<int:pk>/team/", views.supervision_team_add, name="supervision-team"),
    path("supervisions/<int:pk>/activities/", views.supervision_activity_add, name="supervision-activity"),
    path("supervisions/<int:pk>/activities/<int:activity_pk>/file/", views.activity_file, name="activity-file"),
    path("supervisions/<int:pk>/findings/", views.supervision_finding_add, name="supervision-finding"),
    path("supervisions/<int:pk>/send-plan/", views.supervision_notify, name="supervision-notify"),
    path("supervisions/<int:pk>/start/", views.supervision_start, name="supervision-start"),
    path("supervisions/<int:pk>/conclude/", views.supervision_conclude, name="supervision-conclude"),
    path("supervisions/<int:pk>/close/", views.supervision_close, name="supervision-close"),
    path("supervisions/<int:pk>/recommendations/", views.recommendation_create, name="recommendation-create"),
    path("supervisions/<int:pk>/documents/<slug:kind>/", views.supervision_document, name="supervision-document"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation-detail"),
    path("recommendations/<int:pk>/edit/", views.recommendation_edit, name="recommendation-edit"),
    path("recommendations/<int:pk>/send/", views.recommendation_send, name="recommendation-send"),
    path("recommendations/<int:pk>/answer/", views.recommendation_answer, name="recommendation-answer"),
    path(
        "recommendations/<int:pk>/paper-answer/", views.recommendation_paper_answer, name="recommendation-paper-answer"
    ),
    path("recommendations/<int:pk>/assess/", views.recommendation_assess, name="recommendation-assess"),
    path("recommendations/<int:pk>/close/", views.recommendation_close, name="recommendation-close"),
    path("recommendations/<int:pk>/withdraw/", views.recommendation_withdraw, name="recommendation-withdraw"),
    path("recommendations/<int:pk>/follow-up/", views.recommendation_follow_up, name="recommendation-follow-up"),
    path("recommendations/<int:pk>/resupervise/", views.recommendation_resupervise, name="recommendation-resupervise"),
    path("recommendations/<int:pk>/escalate/", views.recommendation_escalate, name="recommendation-escalate"),
    path("recommendations/<int:pk>/answer-file/", views.recommendation_answer_file, name="recommendation-answer-file"),
    path("recommendations/<int:pk>/letter/", views.recommendation_letter, name="recommendation-letter"),
]
