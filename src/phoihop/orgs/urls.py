"""Organisations, people, log in and out, second factor, language, password reset."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from phoihop.orgs import views

app_name = "orgs"

urlpatterns = [
    path("orgs/", views.unit_tree, name="unit-tree"),
    path("orgs/units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("orgs/units/<int:pk>/new/", views.unit_create, name="unit-create"),
    path("orgs/units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("orgs/units/<int:pk>/move/", views.unit_move, name="unit-move"),
    path("orgs/units/<int:pk>/close/", views.unit_close, name="unit-close"),
    path("orgs/units/<int:pk>/merge/", views.unit_merge, name="unit-merge"),
    path("orgs/units/export/", views.unit_export, name="unit-export"),
    path("orgs/units/import/", views.unit_import, name="unit-import"),
    path("orgs/people/", views.person_list, name="person-list"),
    path("orgs/people/new/", views.person_create, name="person-create"),
    path("orgs/people/<int:pk>/", views.person_detail, name="person-detail"),
    path("orgs/people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("orgs/people/<int:pk>/deactivate/", views.person_deactivate, name="person-deactivate"),
    path("orgs/people/<int:pk>/reactivate/", views.person_reactivate, name="person-reactivate"),
    path("orgs/people/<int:pk>/memberships/new/", views.membership_grant, name="membership-grant"),
    path("orgs/memberships/<int:pk>/end/", views.membership_end, name="membership-end"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/2fa/", views.two_factor, name="two-factor"),
    path("account/language/", views.language_set, name="language"),
    path("account/profile/", views.profile, name="profile"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="orgs/password_change.html", success_url=reverse_lazy("orgs:profile")
        ),
        name="password-change",
    ),
    path(
        "account/password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="orgs/password_reset.html",
            email_template_name="orgs/email/password_reset.txt",
            subject_template_name="orgs/email/password_reset_subject.txt",
            success_url=reverse_lazy("orgs:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "account/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="orgs/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="orgs/password_reset_confirm.html",
            success_url=reverse_lazy("orgs:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "account/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="orgs/password_reset_complete.html"),
        name="password-reset-complete",
    ),
]
