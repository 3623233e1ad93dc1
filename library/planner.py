"""What PostgreSQL's planner expects of a query, read from its statistics with an `EXPLAIN` (no
rows read): the admin's estimated counts ask it."""
import json


def planned_rows(queryset) -> int:
    """How many rows PostgreSQL's planner expects `queryset` to return."""
    plan = queryset.order_by().explain(format="json")
    return int(json.loads(plan)[0]["Plan"]["Plan Rows"])
