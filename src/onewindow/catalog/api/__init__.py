"""The catalogue's JSON API: the public list and guides (public.py), and the editors' drafts,
imports and exports (editing.py)."""

from ninja import Router

from onewindow.catalog.api.editing import router as editing_router
from onewindow.catalog.api.public import router as public_router

router = Router()
router.add_router("/", public_router)
router.add_router("/", editing_router)

__all__ = ["router"]
