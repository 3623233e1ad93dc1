"""What every JSON API view of the site shares: a login (401, not a redirect to the login page a
script cannot follow) and the domain's refusals turned into statuses, each answered as
`{"error": reason}`."""
from functools import wraps

from django.http import JsonResponse


def api_error(message, status):
    return JsonResponse({"error": message}, status=status)


def json_api(refusals: dict[type[Exception], int]):
    """A decorator: logged-in users only; an exception of a kind in `refusals` becomes its status."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return api_error("login required", 401)
            try:
                return view(request, *args, **kwargs)
            except tuple(refusals) as error:
                status = next(status for kind, status in refusals.items() if isinstance(error, kind))
                return api_error(str(error), status)
        return wrapper
    return decorate
