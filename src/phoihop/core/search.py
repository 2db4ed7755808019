"""The global search: modules register their models; one folded text table answers.

    search.register(Unit, title=lambda u: u.name, subtitle=..., text=..., url=..., unit=lambda u: u)

The text is folded (core.text.fold) before it is stored, and the query is folded the same way,
so diacritics and đ never stand between a user and a record. SQLite matches through an FTS5
table (prefix queries), PostgreSQL through a trigram index on the folded text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save

from phoihop.core.models import SearchDocument
from phoihop.core.text import fold, fold_words


@dataclass(frozen=True)
class Searchable:
    model: type[models.Model]
    title: Callable[[Any], str]
    text: Callable[[Any], str]
    url: Callable[[Any], str]
    unit: Callable[[Any], Any]
    subtitle: Callable[[Any], str]
    label: str  # what kind of record, shown beside each result


_registry: dict[str, Searchable] = {}


def register(
    model: type[models.Model],
    *,
    title: Callable[[Any], str],
    url: Callable[[Any], str],
    unit: Callable[[Any], Any],
    text: Callable[[Any], str] | None = None,
    subtitle: Callable[[Any], str] | None = None,
) -> None:
    key = model._meta.label_lower
    _registry[key] = Searchable(
        model=model,
        title=title,
        text=text or title,
        url=url,
        unit=unit,
        subtitle=subtitle or (lambda obj: ""),
        label=str(model._meta.verbose_name),
    )
    post_save.connect(_on_save, sender=model, dispatch_uid=f"search-save-{key}")
    post_delete.connect(_on_delete, sender=model, dispatch_uid=f"search-delete-{key}")


def registered() -> dict[str, Searchable]:
    return dict(_registry)


def _document_fields(entry: Searchable, obj: Any) -> dict[str, Any]:
    unit = entry.unit(obj)
    title = entry.title(obj)
    return {
        "unit_id": getattr(unit, "pk", None),
        "title": title[:255],
        "subtitle": entry.subtitle(obj)[:255],
        "url": entry.url(obj),
        "text": fold(f"{title} {entry.text(obj)}"),
    }


def index_object(obj: models.Model) -> None:
    entry = _registry[obj._meta.label_lower]
    SearchDocument.objects.update_or_create(
        model=obj._meta.label_lower, object_id=str(obj.pk), defaults=_document_fields(entry, obj)
    )


def reindex(models_: Iterable[str] | None = None, batch: int = 1000) -> int:
    """Rebuild the documents of the given registered models (all by default). Idempotent."""
    count = 0
    for key in models_ or list(_registry):
        entry = _registry[key]
        SearchDocument.objects.filter(model=key).delete()
        pending: list[SearchDocument] = []
        for obj in entry.model._default_manager.all().iterator(chunk_size=batch):
            pending.append(SearchDocument(model=key, object_id=str(obj.pk), **_document_fields(entry, obj)))
            if len(pending) >= batch:
                SearchDocument.objects.bulk_create(pending)
                count += len(pending)
                pending = []
        SearchDocument.objects.bulk_create(pending)
        count += len(pending)
    return count


def _on_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        index_object(instance)


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    SearchDocument.objects.filter(model=instance._meta.label_lower, object_id=str(instance.pk)).delete()


def search_documents(query: str) -> models.QuerySet[SearchDocument]:
    """Return the documents that contain every word of the query (as prefixes), unscoped.

    Callers pass the result through the access filter (core.scope.scoped) before showing it.
    """
    words = fold_words(query)
    if not words:
        return SearchDocument.objects.none()
    documents = SearchDocument.objects.all()
    if connection.vendor == "sqlite":
        match = " ".join(f'"{word}"*' for word in words)
        return documents.filter(
            id__in=RawSQL("SELECT rowid FROM core_searchdocument_fts WHERE core_searchdocument_fts MATCH %s", [match])
        )
    for word in words:
        documents = documents.filter(text__contains=word)
    return documents
