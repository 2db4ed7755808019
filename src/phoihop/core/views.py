from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from phoihop.core.htmx import render_page_or_fragment
from phoihop.core.scope import scoped
from phoihop.core.search import registered, search_documents


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from phoihop.orgs.selectors import home_summary

    return render(request, "core/home.html", home_summary(user=request.user))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when the database answers; load balancers take the process out otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    documents = scoped(search_documents(query), request.user, via="unit").order_by("title", "id")
    page = Paginator(documents, 25).get_page(request.GET.get("page"))
    labels = {key: entry.label for key, entry in registered().items()}
    for document in page.object_list:
        document.kind_label = labels.get(document.model, "")
    return render_page_or_fragment(
        request, "core/search.html", "core/partials/_search_results.html", {"query": query, "page": page}
    )
