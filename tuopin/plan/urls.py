from django.urls import path

from tuopin.plan import views

app_name = "plan"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:campaign_id>/", views.home, name="campaign"),
    path("<int:campaign_id>/edit/", views.edit_campaign, name="edit_campaign"),
    path("<int:campaign_id>/history/", views.history, name="history"),
    path("<int:campaign_id>/actions/", views.action_list, name="campaign_actions"),
    path("<int:campaign_id>/timeline/", views.timeline_page, name="campaign_timeline"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:action_id>/", views.action_page, name="action"),
    path("actions/<int:action_id>/edit/", views.edit_action, name="edit_action"),
    path("milestones/<int:milestone_id>/edit/", views.edit_milestone, name="edit_milestone"),
    path("milestones/<int:milestone_id>/split/", views.split_milestone, name="split_milestone"),
    path(
        "milestones/<int:milestone_id>/targets/", views.milestone_targets, name="milestone_targets"
    ),
    path("actions/<int:action_id>/milestones/new/", views.add_milestone, name="add_milestone"),
    path("goals/<int:goal_id>/edit/", views.edit_goal, name="edit_goal"),
    path("timeline/", views.timeline_page, name="timeline"),
    path("mine/", views.my_work, name="mine"),
    path("units/<int:unit_id>/", views.unit_work, name="unit_work"),
    path("leaders/<int:person_id>/", views.leader_work, name="leader_work"),
    path("upload/", views.upload, name="upload"),
    path("review/<int:draft_id>/", views.review, name="review"),
]
