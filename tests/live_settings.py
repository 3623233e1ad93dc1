"""The settings of the sites the tests start (tests/live_site.py): the site's own
(photosite.settings), but for the cost of a password hash.

Django's PBKDF2 is made to cost about half a second of CPU per hash, and a CI run logs in several
hundred times, in two passes at once on two cores. What the tests check of a login is whom it
lets in and when it locks out, never the hash's cost: the same hasher with fewer rounds checks
the same. The first-run tests, which start the site as a newcomer does, keep the production
settings and their hash."""
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from photosite.settings import *  # noqa: F403


class FewRoundsPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000


PASSWORD_HASHERS = ["live_settings.FewRoundsPBKDF2PasswordHasher"]
