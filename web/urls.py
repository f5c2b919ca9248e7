from django.urls import path

from web import views

app_name = "web"

urlpatterns = [
    path("documents/upload/", views.upload, name="upload"),
    path("documents/<uuid:document_id>/", views.document, name="document"),
    path("documents/<uuid:document_id>/status/", views.document_status, name="document-status"),
    path("documents/<uuid:document_id>/submit/", views.submit, name="submit"),
    path("documents/<uuid:document_id>/revisions/", views.new_revision, name="new-revision"),
    path("documents/<uuid:document_id>/history/", views.history, name="history"),
    path("documents/<uuid:document_id>/history/verify/", views.history_verify, name="verify"),
    path(
        "documents/<uuid:document_id>/history/audit.json",
        views.history_bundle,
        name="audit-bundle",
    ),
    path("requests/<uuid:request_id>/cancel/", views.cancel, name="cancel"),
    path("requests/<uuid:request_id>/approve/", views.approve, name="approve"),
    path(
        "requests/<uuid:request_id>/request-changes/",
        views.request_changes,
        name="request-changes",
    ),
    path("audit/verify_bundle.pyz", views.verifier, name="verifier"),
    path("translator/languages/", views.languages, name="languages"),
    path("operations/<str:correlation_id>/", views.operation, name="operation"),
]
