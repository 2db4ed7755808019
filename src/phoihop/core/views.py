from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
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


# The organisation directory is public inside the system: every logged-in person may find the
# name, code and kind of any open unit (a commune officer looks up the province's departments
# to address them). Members, records and closed units' history stay scoped; so does the unit
# page, which is why a directory entry outside the person's scope is shown without a link.
DIRECTORY_ENTRIES = Q(model="orgs.unit", unit__valid_to__isnull=True)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = search_documents(query)
    mine = scoped(found, request.user, via="unit")
    documents = (mine | found.filter(DIRECTORY_ENTRIES)).order_by("title", "id")
    page = Paginator(documents, 25).get_page(request.GET.get("page"))
    labels = {key: entry.label for key, entry in registered().items()}
    openable = set(mine.filter(pk__in=[d.pk for d in page.object_list]).values_list("pk", flat=True))
    for document in page.object_list:
        document.kind_label = labels.get(document.model, "")
        document.openable = document.pk in openable
    return render_page_or_fragment(
        request, "core/search.html", "core/partials/_search_results.html", {"query": query, "page": page}
    )
