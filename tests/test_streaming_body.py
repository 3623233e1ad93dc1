"""photosite.streaming_body: a request body read by a view's thread while it arrives.

The end-to-end behaviour (files staged before the request ends, cut-off requests) is tested over a
real server in test_web_import; these tests pin the buffer's own rules with a scripted ASGI receive."""
import asyncio
import concurrent.futures
import threading

import pytest

from photosite.streaming_body import StreamingBody

from browser import run_coroutine


class ScriptedReceive:
    """An ASGI `receive` that hands out the given messages, then waits like a quiet connection."""

    def __init__(self, messages):
        self.messages = list(messages)
        self.taken = 0

    async def __call__(self):
        if self.taken == len(self.messages):
            await asyncio.Event().wait()
        self.taken += 1
        return self.messages[self.taken - 1]


def body_messages(*chunks, more_body_at_end=False):
    return [{"type": "http.request", "body": chunk, "more_body": more_body_at_end or i < len(chunks) - 1}
            for i, chunk in enumerate(chunks)]


def read_all(body, size):
    parts = []
    while part := body.read(size):
        assert len(part) <= size
        parts.append(part)
    return b"".join(parts)


@pytest.mark.parametrize("size", [1, 7, 1000, 1 << 20])
def test_reads_give_back_the_body_in_order(size):
    chunks = [bytes([i]) * (100 + 37 * i) for i in range(20)]

    async def scenario():
        body = StreamingBody(ScriptedReceive(body_messages(*chunks)), limit=500)
        return await asyncio.to_thread(read_all, body, size)

    assert run_coroutine(scenario()) == b"".join(chunks)


def test_lines_are_read_across_messages():
    async def scenario():
        body = StreamingBody(ScriptedReceive(body_messages(b"first li", b"ne\nsecond\n", b"", b"third")))
        return await asyncio.to_thread(lambda: list(iter(body.readline, b"")))

    assert run_coroutine(scenario()) == [b"first line\n", b"second\n", b"third"]


def test_the_pump_stops_receiving_while_the_buffer_is_full():
    # given: a client with far more to send than the buffer holds, and a view not reading yet
    receive = ScriptedReceive(body_messages(*[b"x" * 100] * 50))

    async def scenario():
        body = StreamingBody(receive, limit=300)
        await asyncio.sleep(0.05)
        received_before_reading = receive.taken
        everything = await asyncio.to_thread(read_all, body, 1000)
        return received_before_reading, len(everything)

    # when / then: it stopped at the limit, and went on once the view read
    assert run_coroutine(scenario()) == (3, 5000)


def test_a_client_leaving_mid_body_ends_the_body_after_what_arrived():
    receive = ScriptedReceive([*body_messages(b"whole file", more_body_at_end=True), {"type": "http.disconnect"}])

    async def scenario():
        body = StreamingBody(receive)
        listener = asyncio.create_task(body.receive_after_body())
        await asyncio.sleep(0.05)
        heard_before_reading = listener.done()
        read = await asyncio.to_thread(read_all, body, 4)
        return heard_before_reading, read, await asyncio.wait_for(listener, 1)

    heard_before_reading, read, heard = run_coroutine(scenario())
    # the view is not cancelled before it has read the bytes that did arrive
    assert heard_before_reading is False
    assert read == b"whole file"
    assert heard == {"type": "http.disconnect"}


def test_reading_on_the_event_loop_is_refused_rather_than_deadlocking():
    async def scenario():
        body = StreamingBody(ScriptedReceive(body_messages(b"abc")))
        with pytest.raises(RuntimeError, match="sync view's thread"):
            body.read(3)
        body.close()

    run_coroutine(scenario())


def test_closing_wakes_a_reader_that_is_still_waiting():
    async def scenario():
        body = StreamingBody(ScriptedReceive(body_messages(b"partial", more_body_at_end=True)))
        reader = asyncio.create_task(asyncio.to_thread(read_all, body, 1 << 20))
        await asyncio.sleep(0.05)
        body.close()
        return await asyncio.wait_for(reader, 5)

    assert run_coroutine(scenario()) == b"partial"


# -- a body pushed to a sink in the event loop's thread ------------------------------------------
def test_a_pushed_body_keeps_its_order_across_what_was_buffered_before():
    # given: messages buffered before the view asks for the push, and more after
    chunks = [bytes([i]) * (50 + i) for i in range(30)]
    receive = ScriptedReceive(body_messages(*chunks))

    async def scenario():
        body = StreamingBody(receive, limit=400)
        await asyncio.sleep(0.05)  # the buffer fills to its limit meanwhile
        buffered_first = receive.taken
        pushed, threads = [], set()

        def sink(chunk):
            pushed.append(chunk)
            threads.add(threading.get_ident())

        whole = await asyncio.to_thread(body.push_to, sink)
        return buffered_first, whole, pushed, threads, threading.get_ident()

    buffered_first, whole, pushed, threads, loop_thread = run_coroutine(scenario())
    # then: every chunk once, in order, each handed over in the loop's own thread
    assert 0 < buffered_first < len(chunks)
    assert whole is True
    assert pushed == chunks
    assert threads == {loop_thread}


def test_a_sink_that_is_behind_holds_the_client_back():
    # given: a sink that hands its work on and is not done with the first chunk, and a body
    # whose buffer holds one message
    chunks = [b"first", b"second", b"third", b"fourth", b"fifth", b"sixth"]
    receive = ScriptedReceive(body_messages(*chunks))
    pending = concurrent.futures.Future()

    async def scenario():
        body = StreamingBody(receive, limit=1)
        calls = []

        def sink(chunk):
            calls.append(chunk)
            return pending if chunk == b"first" else None

        pushing = asyncio.create_task(asyncio.to_thread(body.push_to, sink))
        await asyncio.sleep(0.05)
        taken_while_behind, pushed_while_behind = receive.taken, list(calls)
        pending.set_result(None)
        return taken_while_behind, pushed_while_behind, await asyncio.wait_for(pushing, 5), calls

    taken_while_behind, pushed_while_behind, whole, calls = run_coroutine(scenario())
    # then: while the sink was behind, nothing more was pushed and little more received; then the rest came
    assert pushed_while_behind == [b"first"]
    assert taken_while_behind <= 3
    assert (whole, calls) == (True, chunks)


def test_a_sink_error_stops_the_body_and_reaches_the_view():
    async def scenario():
        body = StreamingBody(ScriptedReceive(body_messages(b"good", b"bad", b"never", more_body_at_end=True)))

        def sink(chunk):
            if chunk == b"bad":
                raise ValueError("not a multipart form")

        return await asyncio.to_thread(body.push_to, sink)

    with pytest.raises(ValueError, match="not a multipart form"):
        run_coroutine(scenario())


def test_a_client_leaving_mid_push_ends_it_as_not_whole():
    receive = ScriptedReceive([*body_messages(b"part of a file", more_body_at_end=True), {"type": "http.disconnect"}])

    async def scenario():
        body = StreamingBody(receive)
        pushed = []
        whole = await asyncio.to_thread(body.push_to, pushed.append)
        return whole, pushed

    assert run_coroutine(scenario()) == (False, [b"part of a file"])


def test_a_client_that_goes_quiet_mid_push_is_cut_off_after_the_idle_limit():
    # given: part of a body, then a client that sends nothing and stays connected
    receive = ScriptedReceive(body_messages(b"part of a file", more_body_at_end=True))

    async def scenario():
        body = StreamingBody(receive, idle_seconds=0.2)
        pushed = []
        whole = await asyncio.wait_for(asyncio.to_thread(body.push_to, pushed.append), 5)
        return whole, pushed

    # when / then: the body ends there, not whole
    assert run_coroutine(scenario()) == (False, [b"part of a file"])


def test_a_reader_waiting_on_a_quiet_client_sees_the_body_end_after_the_idle_limit():
    async def scenario():
        body = StreamingBody(ScriptedReceive(body_messages(b"partial", more_body_at_end=True)), idle_seconds=0.2)
        return await asyncio.wait_for(asyncio.to_thread(read_all, body, 1 << 20), 5)

    assert run_coroutine(scenario()) == b"partial"
