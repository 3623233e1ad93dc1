"""The import page's questions before it sends (`/sizes`, `/edges`: services.web_import) at scale,
on PostgreSQL: each is answered from the size-and-edge index alone (an index-only scan), never a
scan of the photo table. test_admin_plans' 50,000 photos, a tenth of them imported before edge
hashes were kept.

A question names up to a thousand sizes; at 50,000 photos the planner already prefers a scan to
a thousand probes of any index (it costs them like random reads), where at a million it does not,
so the questions here name ASKED sizes: a plan that holds for them here holds for a thousand at a
million (the figures are in docs/web-import.md)."""
import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_admin_plans import ROWS, large_library, plan_nodes  # noqa: F401 - large_library is a fixture

from library.models import Photo
from library.services import web_import

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ASKED = 200


def edge_of(photo_id):
    """The edge hash given to a photo here: none for every tenth."""
    if photo_id % 10 == 1:
        return ""
    return hashlib.md5(f"e{photo_id}".encode()).hexdigest() + hashlib.md5(f"f{photo_id}".encode()).hexdigest()


@pytest.fixture(scope="module")
def edged_library(request, django_db_blocker):
    """{photo id: size} of ASKED photos outside the trash, in a library whose photos have edge hashes."""
    request.getfixturevalue("large_library")
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE library_photo SET edge_sha256 = md5('e' || id) || md5('f' || id) WHERE id % 10 <> 1")
            cursor.execute("VACUUM ANALYZE library_photo")
        return dict(Photo.objects.in_library().filter(pk__in=range(2, ROWS, ROWS // ASKED + 1))
                    .order_by("pk").values_list("pk", "size"))


def plans_of(question):
    """What `question()` answers, and the plan of each query it makes."""
    with CaptureQueriesContext(connection) as captured:
        answer = question()
    plans = []
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
            (plan,) = cursor.fetchone()
        plans.append((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return answer, plans


def scans_of(plans):
    return {(node["Node Type"], node.get("Index Name")) for plan in plans for node in plan_nodes(plan)
            if node.get("Relation Name") == "library_photo"}


@pytest.mark.django_db
def test_the_sizes_question_is_answered_from_the_index(edged_library):
    # when a page asks the sizes of its files
    held, plans = plans_of(lambda: web_import.sizes_held([*edged_library.values(), 7, 8, 9]))
    # then those of photos are found, from the size-and-edge index alone
    assert held == sorted(edged_library.values())
    assert scans_of(plans) == {("Index Only Scan", "photo_size_edge_idx")}, scans_of(plans)


@pytest.mark.django_db
def test_the_edges_question_is_answered_from_the_index(edged_library):
    # given files of held sizes, a third with other edges than their size's photo (and every file
    # of a size whose photo has no edge hash yet)
    files = [(size, edge_of(photo_id) if photo_id % 3 and edge_of(photo_id) else "f" * 64)
             for photo_id, size in edged_library.items()]
    # when
    held, plans = plans_of(lambda: web_import.edges_held(files))
    # then a file is held where its edges are its size's photo's, or that photo has none yet
    assert held == [photo_id % 3 != 0 or edge_of(photo_id) == "" for photo_id in edged_library]
    assert 0 < held.count(False) < len(held)
    assert scans_of(plans) == {("Index Only Scan", "photo_size_edge_idx")}, scans_of(plans)
