from django.urls import path

from onewindow.catalog.views import editing, public

app_name = "catalog"

# The editors' pages and fixed words first: they are not item codes.
urlpatterns = [
    path("", public.search, name="search"),
    path("export/", public.export, name="export"),
    path("departments/<slug:kind>/", public.department, name="department"),
    path("edit/", editing.home, name="edit"),
    path("edit/new/", editing.edit_item, name="new-item"),
    path("edit/import/", editing.import_list, name="import"),
    path("edit/items/<str:code>/", editing.edit_item, name="edit-item"),
    path("edit/drafts/<int:pk>/", editing.draft, name="draft"),
    path("edit/drafts/<int:pk>/edit/", editing.edit_draft, name="edit-draft"),
    path("edit/drafts/<int:pk>/<slug:action>/", editing.draft_action, name="draft-action"),
    path("edit/batches/<slug:batch>/publish/", editing.publish_batch, name="publish-batch"),
    path("<str:code>/", public.guide, name="guide"),
    path("<str:code>/versions/", public.versions, name="versions"),
]
