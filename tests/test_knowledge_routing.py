"""The knowledge actor hands each text on to its conversation supervisor, even a text that
reaches it before the root's directory does (in-process: the ordering is what is tested)."""

from __future__ import annotations

import pytest
from thespian.actors import Actor, ActorSystem

from actors.messages import (
    Directory,
    ServiceInit,
    Started,
    TextReceived,
    UnderstandAndRoute,
    sms_received,
)
from actors.services.knowledge import KnowledgeActor


class Supervisor(Actor):
    """Stands in for an SMS supervisor: keeps what it is handed, tells it when asked."""

    def __init__(self):
        super().__init__()
        self.turns = []

    def receiveMessage(self, message, sender):
        if isinstance(message, TextReceived):
            self.turns.append(message.text)
        elif message == "turns?":
            self.send(sender, list(self.turns))


@pytest.fixture
def system(settings, database):
    asys = ActorSystem("simpleSystemBase", transientUnique=True)
    yield asys, settings.replace(actor_system_base="simpleSystemBase")
    asys.shutdown()


def test_a_text_that_comes_before_the_directory_is_routed_once_it_arrives(system, database):
    asys, settings = system
    knowledge = asys.createActor(KnowledgeActor)
    assert isinstance(asys.ask(knowledge, ServiceInit(settings, "knowledge"), 30), Started)
    supervisor = asys.createActor(Supervisor)
    turn = sms_received(database["+15550100001"], "+15550100001", "+15555550123", 1, "HELP")

    asys.tell(knowledge, UnderstandAndRoute(turn, "sms"))
    assert asys.ask(supervisor, "turns?", 5) == []
    asys.tell(knowledge, Directory({"sms": supervisor}))

    assert asys.ask(supervisor, "turns?", 5) == ["HELP"]
    asys.tell(knowledge, UnderstandAndRoute(turn, "sms"))  # with the directory: at once
    assert asys.ask(supervisor, "turns?", 5) == ["HELP", "HELP"]
