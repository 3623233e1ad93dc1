"""Where django-eventstream keeps import progress: the library's own tables (`EventChannel`,
`StoredEvent`) in place of the package's DjangoModelStorage.

The package's storage needs `django_eventstream` among the installed apps, and every installed
app is imported by every command as it starts; the package's import brings `requests` and
`gripcontrol` with it, a tenth of a second that `librarystatus` or a one-file import never uses.
With its own storage the package loads only where events are sent or streamed.

The contract is the package's: numbers per channel from 1, an event 0 stored when a channel
begins (so that a stream starting "after 0" finds its starting point), `EventDoesNotExist` for
a starting point that is gone (trimmed after a day, or from before a database reset), and the
data stored JSON-encoded as the package's storage stores it."""
import json
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_eventstream.event import Event
from django_eventstream.storage import EventDoesNotExist, StorageBase

from library.models import EventChannel, StoredEvent

KEPT_FOR = timedelta(days=1)
# Old events are trimmed by one DELETE every this many appends to a channel, not on every one.
TRIM_EVERY = 100


class ModelStorage(StorageBase):
    def append_event(self, channel, event_type, data):
        with transaction.atomic():
            number = next_number(channel)
            StoredEvent.objects.create(channel=channel, number=number, type=event_type,
                                       data=json.dumps(data, cls=DjangoJSONEncoder))
        if number % TRIM_EVERY == 1:
            StoredEvent.objects.filter(created__lt=timezone.now() - KEPT_FOR).delete()
        return Event(channel, event_type, data, id=number)

    def get_events(self, channel, last_id, limit=100):
        current = self.get_current_id(channel)
        if last_id == current:
            return []
        rows = list(StoredEvent.objects.filter(channel=channel, number__gte=last_id).order_by("number")
                    .values_list("number", "type", "data")[:limit + 1])
        if not rows or rows[0][0] != last_id:
            raise EventDoesNotExist(f"No such event {last_id}", current)
        return [Event(channel, event_type, json.loads(data), id=number) for number, event_type, data in rows[1:]]

    def get_current_id(self, channel):
        return EventChannel.objects.filter(name=channel).values_list("last_event", flat=True).first() or 0


def next_number(channel) -> int:
    """The channel's next event number, taken inside the caller's transaction (the UPDATE holds
    the channel's row until it commits); a new channel starts with its event 0."""
    if not EventChannel.objects.filter(name=channel).update(last_event=F("last_event") + 1):
        try:
            with transaction.atomic():
                EventChannel.objects.create(name=channel, last_event=1)
                StoredEvent.objects.create(channel=channel, number=0, type="", data="")
            return 1
        except IntegrityError:  # another process began the channel first
            EventChannel.objects.filter(name=channel).update(last_event=F("last_event") + 1)
    return EventChannel.objects.values_list("last_event", flat=True).get(name=channel)
