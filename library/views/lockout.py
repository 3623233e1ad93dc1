"""The answer to a login refused for too many wrong passwords (django-axes calls it, for both
/accounts/login/ and /admin/login/: settings.AXES_LOCKOUT_CALLABLE).

429 with Retry-After rather than axes' bare 403 text: a person sees how long to wait, a script
sees when to come back, and neither mistakes it for "wrong password"."""
from axes.helpers import get_cool_off
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """Axes passes the refused response and the credentials; the page needs neither (it never
    repeats the user name it was sent)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60))
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
