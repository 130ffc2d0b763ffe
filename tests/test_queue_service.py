"""Queue operations on SQLite and PostgreSQL: numbering per service and day, counter calls over the services a
counter serves, recall, no-show and return, transfer, start/finish, the event log and times against the SOP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from ektp_station.errors import UnknownSop
from ektp_station.queue import counters, stats, status
from ektp_station.queue.config import load_settings, update_settings
from ektp_station.queue.errors import CounterIdle, InvalidInput, QueueError, ReturnWindowPassed, UnknownTicket
from ektp_station.queue.models import QueueEvent
from ektp_station.queue.service import QueueService
from ektp_station.queue.service_types import PREFIXES, all_service_types, service_type
from ektp_station.sop.catalogue import load_catalogue

MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)  # 08.00 WIB, Tuesday


class Clock:
    def __init__(self, start: datetime = MORNING):
        self.value = start

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **kw) -> None:
        self.value += timedelta(**kw)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def queue(db, clock):
    return QueueService(db, now=clock)


def _kinds(db, number=None):
    with db.transaction() as s:
        query = select(QueueEvent).order_by(QueueEvent.id)
        if number:
            query = query.where(QueueEvent.number == number)
        return [e.kind for e in s.scalars(query)]


def test_every_sop_has_its_own_prefix_including_the_ektp_recording():
    codes = set(load_catalogue().codes())
    assert set(PREFIXES) == codes
    assert len(set(PREFIXES.values())) == len(codes)
    assert service_type("ektp").prefix == "E"
    assert {t.code for t in all_service_types()} == codes


def test_numbers_count_per_service_and_restart_every_day(queue, clock):
    assert [queue.issue("KK").number for _ in range(3)] == ["K-001", "K-002", "K-003"]
    assert queue.issue("ektp").number == "E-001"
    assert queue.issue("KK").number == "K-004"
    clock.advance(hours=16)  # 00.00 WIB the next day
    first = queue.issue("KK")
    assert first.number == "K-001" and first.day == "2026-11-25"
    assert queue.issue("EKTP").number == "E-001"


def test_a_new_ticket_knows_how_many_wait_ahead_of_it(queue, clock):
    assert queue.issue("EKTP").waiting_ahead == 0
    queue.issue("KK")
    assert queue.issue("EKTP").waiting_ahead == 1
    assert queue.issue("EKTP").waiting_ahead == 2
    queue.call_next(1)  # E-001 leaves the line
    assert queue.ticket("E-003").waiting_ahead == 1


def test_unknown_service_and_bad_counter_are_one_line_errors(queue):
    with pytest.raises(UnknownSop, match="tidak dikenal"):
        queue.issue("PASPOR")
    for bad in ("0", "abc", "100", ""):
        with pytest.raises(InvalidInput, match="Nomor loket tidak valid"):
            queue.call_next(bad)
    with pytest.raises(UnknownTicket):
        queue.ticket("E-099")
    with pytest.raises(InvalidInput):
        queue.ticket("x" * 40)


def test_call_next_takes_the_longest_waiting_among_the_services_of_the_counter(db, queue, clock):
    counters.set_counter(db, 2, name="Perekaman", services="EKTP")
    counters.set_counter(db, 1, services=["KK", "PINDAH"])
    for service in ("EKTP", "KK", "EKTP", "PINDAH"):
        queue.issue(service)
        clock.advance(minutes=1)
    assert queue.call_next(2).ticket.number == "E-001"
    assert queue.call_next(1).ticket.number == "K-001"
    assert queue.call_next(1).ticket.number == "P-001"
    assert queue.call_next(1).ticket is None  # E-002 is not counter 1's service
    assert queue.call_next(3).ticket.number == "E-002"  # an unconfigured counter serves everything
    empty = queue.call_next(2)
    assert empty.ticket is None and "Tidak ada antrean" in empty.to_json()["message"]


def test_call_next_finishes_what_the_counter_still_holds(db, queue, clock):
    queue.issue("KK")
    queue.issue("KK")
    queue.call_next(1)
    clock.advance(minutes=3)
    result = queue.call_next(1)
    assert result.finished.number == "K-001" and result.finished.status == "DONE"
    assert result.ticket.number == "K-002"
    assert queue.ticket("K-001").finished_at == MORNING + timedelta(minutes=3)


def test_recall_start_finish_and_the_event_log_with_times(db, queue, clock):
    queue.issue("SKCK")
    clock.advance(minutes=4)
    called = queue.call_next(1).ticket
    assert called.status == "CALLED" and called.call_count == 1
    clock.advance(seconds=30)
    again = queue.recall(1)
    assert again.call_count == 2
    clock.advance(seconds=30)
    assert queue.start(1).status == "SERVING"
    with pytest.raises(QueueError, match="sedang dilayani"):
        queue.recall(1)
    with pytest.raises(QueueError, match="sudah mulai"):
        queue.start(1)
    clock.advance(minutes=6)
    done = queue.finish(1)
    assert done.status == "DONE"
    with pytest.raises(CounterIdle, match="Loket 1 tidak sedang"):
        queue.finish(1)
    history = queue.events_of("C-001")
    assert [e["kind"] for e in history] == ["ISSUED", "CALLED", "RECALLED", "STARTED", "FINISHED"]
    times = [datetime.fromisoformat(e["at"]) for e in history]
    assert times == [MORNING, MORNING + timedelta(minutes=4), MORNING + timedelta(minutes=4, seconds=30),
                     MORNING + timedelta(minutes=5), MORNING + timedelta(minutes=11)]
    assert history[-1]["detail"]["otomatis"] is False


def test_skip_then_return_within_the_window_keeps_the_old_place(db, queue, clock):
    update_settings(db, no_show_minutes=15)
    for _ in range(3):
        queue.issue("KK")
        clock.advance(minutes=1)
    queue.call_next(1)
    skipped = queue.skip(1)
    assert skipped.status == "NO_SHOW"
    assert queue.call_next(1).ticket.number == "K-002"
    clock.advance(minutes=10)
    back = queue.return_ticket("k1")
    assert back.status == "WAITING" and back.waiting_ahead == 0  # issued first, so first again
    assert queue.call_next(1).ticket.number == "K-001"
    assert _kinds(db, "K-001") == ["ISSUED", "CALLED", "SKIPPED", "RETURNED", "CALLED"]


def test_a_skipped_ticket_cannot_return_after_the_configured_time(db, queue, clock):
    update_settings(db, no_show_minutes=15)
    queue.issue("KK")
    queue.call_next(1)
    queue.skip(1)
    clock.advance(minutes=16)
    with pytest.raises(ReturnWindowPassed, match="batas kembali 15 menit"):
        queue.return_ticket("K-001")
    assert queue.ticket("K-001").status == "NO_SHOW"
    waiting = queue.issue("KK")
    with pytest.raises(QueueError, match="tidak sedang dilewati"):
        queue.return_ticket(waiting.number)


def test_skip_and_recall_need_a_called_ticket(queue):
    with pytest.raises(CounterIdle):
        queue.skip(4)
    with pytest.raises(CounterIdle):
        queue.recall(4)
    queue.issue("KK")
    queue.call_next(4)
    queue.start(4)
    with pytest.raises(QueueError, match="jangan dilewati"):
        queue.skip(4)


def test_transfer_to_a_counter_only_that_counter_calls_it(db, queue, clock):
    queue.issue("KK")
    clock.advance(minutes=1)
    queue.issue("KK")
    queue.call_next(1)
    moved = queue.transfer(1, to_counter=3)
    assert moved.status == "WAITING" and moved.target_counter == 3
    assert queue.call_next(2).ticket.number == "K-002"  # counter 2 cannot take K-001
    assert queue.call_next(2).ticket is None
    assert queue.call_next(3).ticket.number == "K-001"
    with pytest.raises(InvalidInput, match="sama dengan"):
        queue.transfer(3, to_counter=3)
    with pytest.raises(InvalidInput, match="Sebutkan"):
        queue.transfer(3)


def test_transfer_to_another_service_keeps_the_number_and_its_place(db, queue, clock):
    counters.set_counter(db, 2, services="EKTP")
    queue.issue("KK")
    clock.advance(minutes=5)
    queue.issue("EKTP")
    queue.call_next(1)
    moved = queue.transfer(1, to_service="ektp")
    assert (moved.number, moved.service, moved.issued_service) == ("K-001", "EKTP", "KK")
    assert moved.waiting_ahead == 0  # it has waited longer than E-001
    assert queue.call_next(2).ticket.number == "K-001"
    assert queue.call_next(2).ticket.number == "E-001"
    transfer = [e for e in queue.events_of("K-001") if e["kind"] == "TRANSFERRED"][0]
    assert transfer["detail"] == {"dari_loket": 1, "ke_loket": None, "dari_layanan": "KK", "ke_layanan": "EKTP"}
    with pytest.raises(UnknownSop):
        queue.transfer(2, to_service="XYZ")


def test_status_shows_current_call_recent_calls_counters_and_waiting(db, queue, clock):
    counters.set_counter(db, 3, name="Perekaman", services="EKTP")
    for service in ("KK", "KK", "EKTP", "EKTP", "LEGALISASI", "KK", "KK", "KK"):
        queue.issue(service)
    for counter in (1, 2, 3, 1, 2, 1):
        queue.call_next(counter)
        clock.advance(seconds=20)
    queue.recall(1)
    state = status.snapshot(db, now=clock())
    # Counter 3 serves e-KTP only; the others take whoever came first.
    assert state["current"]["number"] == "K-003" and state["current"]["recall"] is True
    assert state["current"]["counter_name"] == "Loket 1"
    assert [c["number"] for c in state["recent"]] == ["L-001", "E-002", "E-001", "K-002", "K-001"]
    panels = {p["number"]: p for p in state["counters"]}
    assert sorted(panels) == [1, 2, 3]
    assert panels[3]["name"] == "Perekaman" and panels[3]["ticket"] == "E-001"
    assert panels[1]["ticket"] == "K-003" and panels[1]["status"] == "CALLED"
    assert panels[2]["ticket"] == "L-001"
    assert state["waiting"] == {"KK": 2} and state["waiting_total"] == 2
    assert state["day_text"] == "Selasa, 24 November 2026"
    assert state["running_text"] == load_settings(db).running_text


def test_times_per_service_are_compared_with_the_sop_standards(db, queue, clock):
    # Two e-KTP applicants: one waits 3 minutes and is served 12, the other waits 9 and is served 20.
    queue.issue("EKTP")
    queue.issue("EKTP")
    clock.advance(minutes=3)
    queue.call_next(1)
    queue.start(1)
    clock.advance(minutes=12)
    queue.finish(1)
    clock.advance(minutes=-6)  # back to minute 9 for the second call at another counter
    queue.call_next(2)
    queue.start(2)
    clock.advance(minutes=20)
    queue.finish(2)
    result = stats.service_times(db, MORNING.date())
    ektp = next(r for r in result["services"] if r["service"] == "EKTP")
    assert (ektp["issued"], ektp["called"], ektp["done"]) == (2, 2, 2)
    assert ektp["waiting_minutes"]["standard"] == 5.0 and ektp["waiting_standard_steps"] == ["3"]
    assert ektp["waiting_minutes"]["mean"] == pytest.approx(6.0)
    assert ektp["waiting_minutes"]["over_standard"] == 1
    assert ektp["service_minutes"]["standard"] == 15.5
    assert ektp["service_minutes"]["max"] == pytest.approx(20.0)
    assert ektp["service_minutes"]["over_standard"] == 1
    kk = next(r for r in result["services"] if r["service"] == "KK")
    assert kk["service_minutes"]["standard"] == 10.0 and kk["service_minutes"]["count"] == 0


def test_counter_settings_are_validated_and_listed(db):
    with pytest.raises(UnknownSop):
        counters.set_counter(db, 1, services="KK,NOPE")
    with pytest.raises(InvalidInput):
        counters.set_counter(db, 1, name=" ")
    info = counters.set_counter(db, 1, name="Loket Umum", services=" kk , pindah,KK")
    assert info.services == ("KK", "PINDAH")
    assert [c.number for c in counters.list_counters(db)] == [1]
    counters.remove_counter(db, 1)
    assert counters.counter_info(db, 1).services == () and not counters.counter_info(db, 1).configured


def test_settings_are_validated_before_anything_is_stored(db):
    with pytest.raises(InvalidInput, match="0..480"):
        update_settings(db, running_text="Teks baru", no_show_minutes=-5)
    assert load_settings(db).running_text != "Teks baru"
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        update_settings(db, voice_backend="gtts")
    changed = update_settings(db, running_text="  Loket   tutup pukul 15.00 ", voice_backend="clips")
    assert changed.running_text == "Loket tutup pukul 15.00" and changed.voice_backend == "clips"
    assert _kinds(db)[-1] == "SETTINGS"


def test_the_handwritten_migration_matches_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ektp_station.db.engine import current_revision
    from ektp_station.db.models import Base

    assert "0002_queue" in current_revision(db.engine).split(",")
    mine = {"queue_tickets", "queue_day_sequences", "queue_events", "queue_counters", "queue_settings",
            "summons_letters"}
    assert mine <= set(db.table_names())
    with db.engine.connect() as connection:
        def include(obj, name, kind, _reflected, _compare_to):
            table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
            return table in mine

        context = MigrationContext.configure(connection, opts={"include_object": include, "compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
