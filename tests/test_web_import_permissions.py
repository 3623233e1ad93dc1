"""Who may read an import session's event channel (django-eventstream's permission hook), and
that its HTTP API lets exactly the same people see it."""
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


@pytest.mark.parametrize("source", [ImportSource.WEB, ImportSource.CLI])
@pytest.mark.parametrize("reader", ["alice", "bob", "staff", None])
def test_a_session_is_seen_by_the_same_people_over_http_and_its_channel(client, source, reader):
    # given: alice's session, started on the web import page or by the command line
    alice = User.objects.create_user("alice")
    User.objects.create_user("bob")
    User.objects.create_user("staff", is_staff=True)
    session = ImportSession.objects.create(source=source, user=alice if source == ImportSource.WEB else None)
    user = User.objects.get(username=reader) if reader else None
    if user is not None:
        client.force_login(user)
    # when
    over_http = client.get(f"/api/imports/{session.pk}").status_code == 200
    over_channel = ImportChannelManager().can_read_channel(user, channel_for(session.pk))
    # then
    assert over_http is over_channel
