"""Who may read an import session's event channel (django-eventstream's permission hook)."""
import pytest
from django.contrib.auth.models import User

from library.events.sse import ImportChannelManager, channel_for
from library.models import ImportSession, ImportSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_channel():
    alice = User.objects.create_user("alice")
    return channel_for(ImportSession.objects.create(source=ImportSource.WEB, user=alice).pk)


@pytest.mark.parametrize(("reader", "channel", "allowed"), [
    ("alice", "own", True),
    ("bob", "own", False),
    ("staff", "own", True),
    (None, "own", False),
    ("alice", "import-999999", False),
    ("staff", "import-999999", False),
    ("staff", "import-1; DROP TABLE", False),
    ("staff", "other-channel", False),
])
def test_only_the_owner_and_staff_read_a_session_channel(alices_channel, reader, channel, allowed):
    # given
    User.objects.create_user("bob")
    User.objects.create_user("staff", is_staff=True)
    user = User.objects.get(username=reader) if reader else None
    # when
    readable = ImportChannelManager().can_read_channel(user, alices_channel if channel == "own" else channel)
    # then
    assert readable is allowed
