from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import audit, documents, events, requests, tokens, translators

app_name = "api"

urlpatterns = [
    path("auth/token/", tokens.TokenCreate.as_view(), name="token"),
    path("documents/", documents.DocumentList.as_view(), name="documents"),
    path("documents/<uuid:document_id>/", documents.DocumentDetail.as_view(), name="document"),
    path(
        "documents/<uuid:document_id>/revisions/",
        documents.RevisionList.as_view(),
        name="revisions",
    ),
    path(
        "documents/<uuid:document_id>/translation-requests/",
        documents.DocumentSubmission.as_view(),
        name="document-submission",
    ),
    path(
        "documents/<uuid:document_id>/revisions/<int:revision>/file/",
        documents.RevisionFile.as_view(),
        name="revision-file",
    ),
    path(
        "documents/<uuid:document_id>/history/",
        documents.DocumentHistory.as_view(),
        name="document-history",
    ),
    path(
        "documents/<uuid:document_id>/proof/",
        audit.DocumentProof.as_view(),
        name="document-proof",
    ),
    path("checkpoints/latest/", audit.LatestCheckpoint.as_view(), name="checkpoint-latest"),
    path(
        "checkpoints/consistency/",
        audit.CheckpointConsistency.as_view(),
        name="checkpoint-consistency",
    ),
    path("translation-requests/", requests.RequestList.as_view(), name="requests"),
    path(
        "translation-requests/<uuid:request_id>/",
        requests.RequestDetail.as_view(),
        name="request",
    ),
    path(
        "translation-requests/<uuid:request_id>/cancel/",
        requests.RequestCancel.as_view(),
        name="request-cancel",
    ),
    path(
        "translation-requests/<uuid:request_id>/accept/",
        requests.RequestAccept.as_view(),
        name="request-accept",
    ),
    path(
        "translation-requests/<uuid:request_id>/deliver/",
        requests.RequestDeliver.as_view(),
        name="request-deliver",
    ),
    path(
        "translation-requests/<uuid:request_id>/decline/",
        requests.RequestDecline.as_view(),
        name="request-decline",
    ),
    path(
        "translation-requests/<uuid:request_id>/release/",
        requests.RequestRelease.as_view(),
        name="request-release",
    ),
    path(
        "translation-requests/<uuid:request_id>/approve/",
        requests.RequestApprove.as_view(),
        name="request-approve",
    ),
    path(
        "translation-requests/<uuid:request_id>/request-changes/",
        requests.RequestChanges.as_view(),
        name="request-changes",
    ),
    path(
        "translation-requests/<uuid:request_id>/deliveries/<int:number>/file/",
        requests.DeliveryFile.as_view(),
        name="request-delivery-file",
    ),
    path(
        "translation-requests/<uuid:request_id>/translation/",
        requests.RequestTranslationFile.as_view(),
        name="request-translation",
    ),
    path(
        "translator/languages/",
        translators.TranslatorLanguages.as_view(),
        name="translator-languages",
    ),
    path("events/", events.EventList.as_view(), name="events"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles as it renders: allowed on this page only.
    path(
        "docs/",
        csp_update({"style-src": UNSAFE_INLINE})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
]
