"""The one-pass poll selector behaves as Thespian's transport needs a selector to behave."""

import errno
import selectors
import socket
import time

import pytest
from thespian.system.transport import TCPTransport as tcp_transport

from actors import thespian_poll
from actors.thespian_poll import OnePassPollSelector


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def ready(selector, timeout=0):
    return {key.fd: events for key, events in selector.select(timeout)}


def test_a_socket_with_data_is_readable_and_one_without_is_not(pair):
    a, b = pair
    b.sendall(b"x")
    selector = OnePassPollSelector()
    selector.register(a.fileno(), selectors.EVENT_READ)
    selector.register(b.fileno(), selectors.EVENT_READ)
    assert ready(selector) == {a.fileno(): selectors.EVENT_READ}


def test_write_interest_reports_writable_only_when_asked(pair):
    a, _ = pair
    selector = OnePassPollSelector()
    selector.register(a.fileno(), selectors.EVENT_WRITE)
    assert ready(selector) == {a.fileno(): selectors.EVENT_WRITE}


def test_read_and_write_interest_in_one_socket_combine(pair):
    a, b = pair
    b.sendall(b"x")
    selector = OnePassPollSelector()
    selector.register(a.fileno(), selectors.EVENT_READ)
    selector.register(a.fileno(), selectors.EVENT_WRITE)
    assert ready(selector) == {a.fileno(): selectors.EVENT_READ | selectors.EVENT_WRITE}


def test_a_peer_hang_up_is_reported_as_readable(pair):
    a, b = pair
    b.close()
    selector = OnePassPollSelector()
    selector.register(a.fileno(), selectors.EVENT_READ)
    assert ready(selector) == {a.fileno(): selectors.EVENT_READ}
    assert a.recv(1) == b""  # the read that reports it


def test_a_closed_descriptor_raises_ebadf_like_epoll_registration():
    a, b = socket.socketpair()
    fd = a.fileno()
    a.close()
    b.close()
    selector = OnePassPollSelector()
    selector.register(fd, selectors.EVENT_READ)
    with pytest.raises(OSError) as raised:
        selector.select(0)
    assert raised.value.errno == errno.EBADF


def test_a_negative_descriptor_is_refused_at_registration():
    with pytest.raises(ValueError):
        OnePassPollSelector().register(-1, selectors.EVENT_READ)


def test_select_waits_for_data_up_to_its_timeout(pair):
    a, _ = pair
    selector = OnePassPollSelector()
    selector.register(a.fileno(), selectors.EVENT_READ)
    started = time.monotonic()
    assert ready(selector, timeout=0.05) == {}
    assert time.monotonic() - started >= 0.05


def test_apply_points_thespians_transport_at_it():
    thespian_poll.apply()
    assert tcp_transport.selectors.DefaultSelector is OnePassPollSelector
    assert tcp_transport.selectors.EVENT_READ == selectors.EVENT_READ
    assert tcp_transport.selectors.EVENT_WRITE == selectors.EVENT_WRITE
