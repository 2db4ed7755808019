"""Screens of plans and tasks, mounted at /tasks/."""

from django.urls import path

from phoihop.tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="my-tasks"),
    path("unit/", views.unit_tasks, name="unit-tasks"),
    path("unit/<int:unit_pk>/", views.unit_tasks, name="unit-tasks-of"),
    path("rates/", views.task_rates, name="rates"),
    path("filters/save/", views.filter_save, name="filter-save"),
    path("filters/<int:pk>/delete/", views.filter_delete, name="filter-delete"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/board/", views.plan_board, name="plan-board"),
    path("plans/<int:pk>/calendar/", views.plan_calendar, name="plan-calendar"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan-close"),
    path("plans/<int:pk>/tasks/new/", views.task_create, name="task-create"),
    path("plans/<int:pk>/import/", views.plan_import, name="plan-import"),
    path("plans/<int:pk>/import/template.xlsx", views.plan_import_template, name="plan-import-template"),
    path("new/", views.task_create, name="task-create-standalone"),
    path("<int:pk>/", views.task_detail, name="task-detail"),
    path("<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("<int:pk>/subtasks/new/", views.subtask_create, name="subtask-create"),
    path("<int:pk>/transition/", views.task_transition, name="task-transition"),
    path("<int:pk>/parts/<int:unit_pk>/", views.part_update, name="part-update"),
    path("<int:pk>/assign/<int:unit_pk>/", views.task_assign, name="task-assign"),
    path("<int:pk>/checklist/", views.checklist_add, name="checklist-add"),
    path("<int:pk>/checklist/<int:item_pk>/toggle/", views.checklist_toggle, name="checklist-toggle"),
    path("<int:pk>/checklist/<int:item_pk>/remove/", views.checklist_remove, name="checklist-remove"),
    path("<int:pk>/comments/", views.comment_add, name="comment-add"),
    path("<int:pk>/updates/<int:update_pk>/file/", views.update_file, name="update-file"),
    path("<int:pk>/duty/", views.occurrence_link, name="occurrence-link"),
]
