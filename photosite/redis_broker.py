"""A django-q2 Redis broker that keeps each task until a worker acknowledges it.

django-q2's own Redis broker pops a task off the list for good: a worker killed mid-task (a
restart, the OOM killer, a pulled plug) loses it. This one moves the task into an "in flight"
sorted set scored by its deadline (now + `retry`), removes it there on acknowledgement, and puts
anything past its deadline back on the queue — the same contract as django-q2's ORM broker, so
both deployments are restart-safe. Moving and popping happen in one Lua script, so two clusters
never take the same task."""
import time

from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

# KEYS: queue, in-flight set. ARGV: now, deadline. Returns the payload or nil.
TAKE_SCRIPT = """
for _, payload in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
    redis.call('ZREM', KEYS[2], payload)
    redis.call('LPUSH', KEYS[1], payload)
end
local payload = redis.call('LPOP', KEYS[1])
if payload then
    redis.call('ZADD', KEYS[2], ARGV[2], payload)
end
return payload
"""


class AcknowledgingRedis(Redis):
    @property
    def in_flight_key(self):
        return f"{self.list_key}:in_flight"

    def dequeue(self):
        now = time.time()
        payload = self.connection.eval(TAKE_SCRIPT, 2, self.list_key, self.in_flight_key, now, now + Conf.RETRY)
        if payload is None:
            time.sleep(Conf.POLL)  # an empty queue: spare the CPU, as the ORM broker does
            return None
        # The payload is signed and carries the task's uuid, so it is its own acknowledgement id.
        return [(payload, payload)]

    def acknowledge(self, task_id):
        return self.connection.zrem(self.in_flight_key, task_id)

    def fail(self, task_id):
        self.acknowledge(task_id)

    def delete(self, task_id):
        self.acknowledge(task_id)

    def lock_size(self) -> int:
        return self.connection.zcard(self.in_flight_key)

    def delete_queue(self):
        return self.connection.delete(self.list_key, self.in_flight_key)

    def purge_queue(self):
        return self.delete_queue()
