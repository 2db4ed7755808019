"""Screens of joint meetings and calendar feeds, mounted at /meetings/."""

from django.urls import path, re_path

from phoihop.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/meeting.ics", views.meeting_ics, name="meeting-ics"),
    path("<int:pk>/invite/", views.meeting_invite, name="meeting-invite"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="meeting-minutes"),
    path("<int:pk>/answer/", views.meeting_respond, name="meeting-respond"),
    path("<int:pk>/files/new/", views.file_add, name="file-add"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file-download"),
    path("<int:pk>/conclusions/new/", views.conclusion_add, name="conclusion-add"),
    path("conclusions/<int:pk>/task/", views.conclusion_to_task, name="conclusion-task"),
    path("conclusions/<int:pk>/remove/", views.conclusion_remove, name="conclusion-remove"),
    path("feeds/", views.feed_list, name="feed-list"),
    path("feeds/<int:pk>/revoke/", views.feed_revoke, name="feed-revoke"),
    # secrets.token_urlsafe(32) gives 43 characters of A-Z a-z 0-9 - _.
    re_path(r"^feeds/(?P<token>[A-Za-z0-9_-]{20,128})\.ics$", views.feed_ics, name="feed-ics"),
]
