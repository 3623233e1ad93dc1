"""Login throttling with a limit of its own for each of django-axes' lockout parameters.

settings.AXES_LOCKOUT_PARAMETERS counts failures per (user name, address) and per user name;
axes itself compares the larger of those counts with one AXES_FAILURE_LIMIT, and with one limit
the per-name count (never below the pair's) would decide alone. Here the pair locks at
AXES_FAILURE_LIMIT and the name at PHOTOSITE_LOGIN_USER_FAILURE_LIMIT: each count is reported to
axes as what is left of its own limit, measured against AXES_FAILURE_LIMIT, so axes' one
comparison (failures >= AXES_FAILURE_LIMIT) holds exactly when some count reached its own limit."""
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


def limit_for(parameter) -> int:
    """A parameter of AXES_LOCKOUT_PARAMETERS: the user name alone, or a combination with it."""
    return settings.PHOTOSITE_LOGIN_USER_FAILURE_LIMIT if parameter == "username" else settings.AXES_FAILURE_LIMIT


class UserAndAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """The failures of the count nearest its own limit, shifted onto AXES_FAILURE_LIMIT's
        scale: 10 failures of a pair (limit 10) report 10; 29 of a name (limit 30) report 9."""
        counts = [attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
                  for attempts in self.get_user_attempts(request, credentials)]
        parameters = get_lockout_parameters(request, credentials)
        return max(0, *(count - limit_for(parameter) + settings.AXES_FAILURE_LIMIT
                        for parameter, count in zip(parameters, counts, strict=True)))
