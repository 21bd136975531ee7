"""Progress in a player's words, over a fake clock and the player's zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from buzzfinder_app.practice.progress import progress, store_progress, strip_days
from buzzfinder_app.practice.sessions import SessionStore

UTC = timezone.utc
LA = timezone(timedelta(hours=-8))  # the player's zone in December


class Clock:
    def __init__(self, t: datetime):
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def _session(store, clock, start: datetime, minutes: float, *, targets=(), success=(), reps=0):
    """A session of ``minutes`` from ``start``: a note at each target (a success where listed), or
    ``reps`` repetitions of three notes, or one free note."""
    clock.t = start
    sid = store.start_session("Test Interface", "exercise" if targets or reps else "free")
    plays = [(t, t in success, None) for t in targets] or [(None, False, r // 3 + 1) for r in range(reps * 3)] \
        or [(None, False, None)]
    for i, (target, ok, rep) in enumerate(plays):
        clock.t = start + timedelta(seconds=i + 1)
        store.add_note(sid, onset_s=i, label="clean" if ok else "buzzy", confidence=0.9, target=target,
                       repetition=rep if rep is not None else (1 if target else None),
                       outcome="success" if ok else ("fail" if target else None))
    clock.t = start + timedelta(minutes=minutes)
    store.end_session(sid)
    return sid


@pytest.fixture
def store(tmp_path):
    clock = Clock(datetime(2026, 12, 1, tzinfo=UTC))
    s = SessionStore(tmp_path / "s.db", clock=clock)
    s.clock_ = clock
    yield s
    s.close()


def test_todays_minutes_toward_the_goal_in_the_players_days(store):
    c = store.clock_
    # Sun 6 Dec, 20:00 in Los Angeles is 7 Dec 04:00 in UTC: it is the player's 6 Dec
    _session(store, c, datetime(2026, 12, 7, 4, tzinfo=UTC), 7)
    _session(store, c, datetime(2026, 12, 6, 18, tzinfo=UTC), 2.5)  # 6 Dec, 10:00 local
    _session(store, c, datetime(2026, 12, 5, 18, tzinfo=UTC), 30)   # the day before
    now = Clock(datetime(2026, 12, 7, 6, tzinfo=UTC))  # 22:00 on 6 Dec, local
    p = store_progress(store, clock=now, tz=LA)
    assert p.today == date(2026, 12, 6)
    assert (p.goal_kind, p.goal, p.done) == ("minutes", 10, 9)
    assert not p.reached and p.goal_text() == "Today: 9 of 10 minutes practised."
    p = store_progress(store, clock=now, tz=LA, goal=("minutes", 5))
    assert p.reached and p.goal_text() == "Today: 9 minutes, the daily goal of 5 is reached."
    # in UTC it is already 7 Dec, with the 7-minute session only
    assert store_progress(store, clock=now, tz=UTC).done == 7


def test_a_goal_of_repetitions_counts_todays_repetitions(store):
    c = store.clock_
    _session(store, c, datetime(2026, 12, 6, 18, tzinfo=UTC), 3, reps=4)
    _session(store, c, datetime(2026, 12, 5, 18, tzinfo=UTC), 3, reps=9)
    p = store_progress(store, clock=Clock(datetime(2026, 12, 6, 20, tzinfo=UTC)), tz=UTC,
                       goal=("repetitions", 5))
    assert (p.done, p.goal) == (4, 5) and p.goal_text() == "Today: 4 of 5 repetitions practised."
    p = store_progress(store, clock=Clock(datetime(2026, 12, 6, 20, tzinfo=UTC)), tz=UTC,
                       goal=("repetitions", 1))
    assert p.goal_text() == "Today: 4 repetitions, the daily goal of 1 is reached."


def test_the_streak_counts_days_in_a_row_up_to_today_or_yesterday(store):
    c = store.clock_
    for day in (1, 3, 4, 5):  # 2 Dec missed
        _session(store, c, datetime(2026, 12, day, 18, tzinfo=UTC), 5)
    at = lambda d, h=20: Clock(datetime(2026, 12, d, h, tzinfo=UTC))  # noqa: E731
    assert store_progress(store, clock=at(5), tz=UTC).streak == 3
    assert store_progress(store, clock=at(6), tz=UTC).streak == 3  # today is not over yet
    p = store_progress(store, clock=at(7), tz=UTC)
    assert p.streak == 0 and p.streak_text().startswith("No practice streak yet")
    assert store_progress(store, clock=at(3), tz=UTC).streak_text() == "1 day in a row with practice."


def test_the_strip_is_five_whole_weeks_with_the_days_practised(store):
    c = store.clock_
    _session(store, c, datetime(2026, 12, 5, 18, tzinfo=UTC), 12)
    _session(store, c, datetime(2026, 11, 2, 18, tzinfo=UTC), 12)  # Monday, the strip's first day
    _session(store, c, datetime(2026, 11, 1, 18, tzinfo=UTC), 12)  # before it
    p = store_progress(store, clock=Clock(datetime(2026, 12, 6, 20, tzinfo=UTC)), tz=UTC)
    days = strip_days(p.today)
    assert len(days) == 35 and days[0] == date(2026, 11, 2) and days[0].weekday() == 0
    assert days[-1] == date(2026, 12, 6) and list(p.days) == days
    assert [d for d, m in p.days.items() if m] == [date(2026, 11, 2), date(2026, 12, 5)]
    assert p.days[date(2026, 12, 5)] == pytest.approx(12)


def test_lightest_clean_pressure_found_on_spots_this_week(store):
    c = store.clock_
    # Mon 30 Nov to Sun 6 Dec is this week
    _session(store, c, datetime(2026, 12, 1, 18, tzinfo=UTC), 5, targets=["3:5", "2:3", "6:1", "3:5"],
             success=["3:5"])
    _session(store, c, datetime(2026, 12, 4, 18, tzinfo=UTC), 5, targets=["2:3", "4:7"], success=["2:3"])
    _session(store, c, datetime(2026, 11, 28, 18, tzinfo=UTC), 5, targets=["1:12", "6:1"],
             success=["1:12", "6:1"])  # last week: not counted
    p = store_progress(store, clock=Clock(datetime(2026, 12, 6, 20, tzinfo=UTC)), tz=UTC)
    assert (p.spots_found, p.spots_tried) == (2, 4)
    assert p.spots_text() == "Lightest clean pressure found on 2 of 4 spots this week."
    p = store_progress(store, clock=Clock(datetime(2026, 12, 8, 20, tzinfo=UTC)), tz=UTC)
    assert p.spots_text() == "No exercise spots played this week yet."


def test_an_empty_store_and_an_unknown_goal():
    p = progress([], [], clock=lambda: datetime(2026, 12, 6, 12, tzinfo=UTC), tz=UTC, goal=("laps", 3))
    assert (p.goal_kind, p.goal, p.done, p.streak) == ("minutes", 10, 0, 0)
    assert not any(p.days.values())
    assert p.goal_text() == "Today: 0 of 10 minutes practised."


def test_a_streak_longer_than_the_strip_and_only_the_strips_notes_read(store):
    c = store.clock_
    start = datetime(2026, 10, 20, 18, tzinfo=UTC)
    for day in range(48):  # 20 Oct to 6 Dec, every day
        _session(store, c, start + timedelta(days=day), 1)
    p = store_progress(store, clock=Clock(datetime(2026, 12, 6, 20, tzinfo=UTC)), tz=UTC)
    assert p.streak == 48 and all(p.days.values())
    since = datetime(2026, 12, 5, tzinfo=UTC)
    assert {n.created_at[:10] for n in store.notes(since=since)} == {"2026-12-05", "2026-12-06"}
    assert len(store.note_times()) == 48
