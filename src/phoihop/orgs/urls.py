"""Organisations, people, log in and out, second factor, language, password reset."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from phoihop.orgs import views

app_name = "orgs"

urlpatterns = [
    path("orgs/", views.unit_tree, name="unit-tree"),
    path("orgs/units/<int:pk>/", views.unit_detail, name="unit-detail"),
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
