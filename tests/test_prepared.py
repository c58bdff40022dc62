"""Prepared statements write and read the same rows peewee's own queries do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.db import close_database, open_for, write
from store.models import DashboardEvent, Message, SmsThread, WebhookEvent
from store.prepared import Insert, Param, Select, Write

THREAD = Select(
    lambda: (
        SmsThread.select()
        .where((SmsThread.clinic == Param("clinic")) & (SmsThread.customer_phone == Param("phone")))
        .limit(1)
    )
)
MESSAGES_SINCE = Select(
    lambda: (
        Message.select()
        .where((Message.thread == Param("thread")) & (Message.created_at > Param("since")))
        .order_by(Message.id)
    )
)
MARK = Write(lambda: Message.update(status=Param("status")).where(Message.id == Param("id")))


def test_insert_writes_the_row_model_create_would(database):
    with write():
        thread = Insert(SmsThread).create(clinic=1, customer_phone="+15555550123")
        message = Insert(Message).create(
            clinic=1, thread=thread, direction="in", text="Hi there", status="received"
        )
        event = Insert(DashboardEvent).create(clinic=1, type="t", data={"b": [1, 2], "a": None})
    assert Message.get_by_id(message.id).text == "Hi there"
    assert Message.get_by_id(message.id).thread_id == thread.id
    stored = DashboardEvent.get_by_id(event.id)
    assert (stored.data, stored.created_at) == ({"b": [1, 2], "a": None}, event.created_at)
    assert stored.created_at.tzinfo is UTC


def test_a_callable_default_is_called_on_every_insert_not_frozen_at_first_use(database):
    insert = Insert(DashboardEvent)
    with write():
        january = datetime(2026, 1, 1, tzinfo=UTC)
        first = insert.run(clinic=None, type="a", data={}, created_at=january)
        second = insert.run(clinic=None, type="b", data={})
        third = insert.run(clinic=None, type="c", data={})
    times = [DashboardEvent.get_by_id(i).created_at for i in (first, second, third)]
    assert times[0].year == 2026 and times[0].month == 1
    assert times[1] > times[0] and times[2] >= times[1]


def test_select_binds_values_through_the_column_converters(database):
    with write():
        thread = Insert(SmsThread).create(clinic=1, customer_phone="+15555550123")
        old = Insert(Message).create(
            clinic=1,
            thread=thread,
            direction="in",
            text="old",
            status="received",
            created_at=datetime.now(UTC) - timedelta(hours=2),
        )
        new = Insert(Message).create(
            clinic=1, thread=thread, direction="in", text="new", status="received"
        )
    found = THREAD.first(clinic=1, phone="+15555550123")
    assert found.id == thread.id and found.customer_phone == "+15555550123"
    assert THREAD.first(clinic=2, phone="+15555550123") is None
    # a model instance for a foreign key, an aware datetime for an instant: as peewee takes them
    since = datetime.now(UTC) - timedelta(hours=1)
    assert [m.id for m in MESSAGES_SINCE.rows(thread=found, since=since)] == [new.id]
    earlier = since - timedelta(hours=2)
    assert [m.id for m in MESSAGES_SINCE.rows(thread=found.id, since=earlier)] == [old.id, new.id]
    with pytest.raises(ValueError, match="naive"):
        MESSAGES_SINCE.rows(thread=found.id, since=datetime(2026, 1, 1))


def test_write_answers_how_many_rows_changed(database):
    with write():
        thread = Insert(SmsThread).create(clinic=1, customer_phone="+15555550123")
        message = Insert(Message).create(
            clinic=1, thread=thread, direction="in", text="x", status="received"
        )
        assert MARK.run(status="handled", id=message.id) == 1
        assert MARK.run(status="handled", id=message.id + 1000) == 0
    assert Message.get_by_id(message.id).status == "handled"


def test_a_duplicate_is_skipped_without_undoing_the_rest_of_the_transaction(database):
    insert = Insert(WebhookEvent, ignore_duplicate=True)
    with write():
        first = insert.run(provider="telnyx", event_id="ev-1", event_type="message.received")
        again = insert.run(provider="telnyx", event_id="ev-1", event_type="message.received")
        Insert(DashboardEvent).run(clinic=None, type="after", data={})
    assert first is not None and again is None
    assert WebhookEvent.select().count() == 1
    assert DashboardEvent.select().where(DashboardEvent.type == "after").count() == 1


def test_a_missing_required_value_is_refused_before_anything_is_written(database):
    with pytest.raises(ValueError, match="missing value for direction"):
        Insert(Message).run(clinic=1, thread=1, text="x", status="received")
    assert Message.select().count() == 0


def test_a_statement_follows_the_process_to_another_database(tmp_path, database):
    from store.migrations import migrate
    from store.sms import clinic_id_by_number
    from tests.conftest import make_settings

    assert clinic_id_by_number("+15550100001") == 1
    close_database()
    open_for(make_settings(tmp_path / "other"))
    migrate()
    assert clinic_id_by_number("+15550100001") is None  # the new, empty database


def test_sql_compiled_before_a_fork_serves_the_childs_own_connection(settings, database):
    """A thread actor opens its own connection (a new Database object) after the fork; the SQL
    its supervisor compiled for the same kind of database must serve it as it is."""
    from store.prepared import compile_all
    from store.sms import _CLINIC_ID, clinic_id_by_number

    assert compile_all() >= 10
    compiled = _CLINIC_ID._compiled
    close_database()
    open_for(settings)
    assert clinic_id_by_number("+15550100001") == 1
    assert _CLINIC_ID._compiled is compiled
