"""The decode budget (thumbnails/generators/decode_budget.py): decodes wait for room, first come
first served, and one larger than the whole budget runs alone. Real threads, no sleeps: each
step waits on the budget's own queue."""
import threading

import pytest

from thumbnails.generators.decode_budget import DecodeBudget, reservation

from polling import wait_for

pytestmark = pytest.mark.outside_database  # no database here: the SQLite pass of .ci/run runs it


def queued(budget: DecodeBudget, size: int) -> threading.Event:
    """A thread that acquires `size` bytes, once it is in the budget's queue; the event is set
    once it holds them."""
    holding = threading.Event()
    position = len(budget.waiting) + 1

    def acquire():
        budget.acquire(size)
        holding.set()
    threading.Thread(target=acquire, daemon=True).start()
    wait_for(lambda: len(budget.waiting) == position, what=f"a decode of {size} in the queue")
    return holding


def test_a_decode_waits_until_the_budget_has_room():
    # given a budget of 100 with 60 held
    budget = DecodeBudget(100)
    budget.acquire(60)
    # when another 60 is asked for
    second = queued(budget, 60)
    # then it waits until the first is given back
    assert not second.is_set() and budget.in_use == 60
    budget.release(60)
    wait_for(second.is_set, what="the second decode to start")
    assert budget.in_use == 60


def test_decodes_are_served_first_come_first_served():
    # given a budget of 100 with 60 held, and a decode of 60 waiting
    budget = DecodeBudget(100)
    budget.acquire(60)
    large = queued(budget, 60)
    # when a small one that would fit comes next
    small = queued(budget, 10)
    # then it does not overtake the large one; both start once there is room
    assert not small.is_set()
    budget.release(60)
    wait_for(lambda: large.is_set() and small.is_set(), what="both decodes to start")
    assert budget.in_use == 70


def test_a_decode_larger_than_the_budget_runs_alone():
    budget = DecodeBudget(100)
    budget.acquire(1)
    huge = queued(budget, 500)
    assert not huge.is_set()
    budget.release(1)
    wait_for(huge.is_set, what="the huge decode to start")
    assert budget.in_use == 100


def test_a_reservation_is_taken_once_and_given_back():
    budget = DecodeBudget(100)
    with reservation(budget) as held:
        held.take(30)
        held.take(50)  # the picture its opener decoded, shrunk: not counted again
        assert budget.in_use == 30
    assert budget.in_use == 0
