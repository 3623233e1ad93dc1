"""A request gives its database connection back before it streams its answer
(photosite.connection_release), and leaves one inside a transaction alone."""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from photosite.connection_release import streamed_answers_hold_no_connection


def answering(response_class):
    """A view that reads the database (opening a connection) and answers with `response_class`."""
    def view(request):
        get_user_model().objects.count()
        return response_class(iter([b"bytes"])) if response_class is StreamingHttpResponse else response_class(b"page")
    return streamed_answers_hold_no_connection(view)


@pytest.mark.django_db(transaction=True)
def test_a_streamed_answer_gives_its_connection_back_before_it_streams():
    # when a view that used the database answers with a stream
    response = answering(StreamingHttpResponse)(RequestFactory().get("/"))

    # then its connection is closed (returned to the pool in a web process) before the body is sent
    assert connection.connection is None
    assert b"".join(response.streaming_content) == b"bytes"


@pytest.mark.django_db(transaction=True)
def test_a_whole_answer_keeps_its_connection_until_the_request_ends():
    answering(HttpResponse)(RequestFactory().get("/"))
    assert connection.connection is not None


@pytest.mark.django_db(transaction=True)
def test_a_connection_inside_a_transaction_is_left_to_its_owner():
    with transaction.atomic():
        answering(StreamingHttpResponse)(RequestFactory().get("/"))
        assert connection.connection is not None
        assert get_user_model().objects.count() == 0
