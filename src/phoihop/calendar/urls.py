from django.urls import path

from phoihop.calendar import views

app_name = "calendar"

urlpatterns = [
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("announcements/new/", views.announcement_create, name="announcement-create"),
    path("announcements/<int:pk>/delete/", views.announcement_delete, name="announcement-delete"),
]
