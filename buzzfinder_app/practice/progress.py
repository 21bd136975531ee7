"""Progress in a player's words: today's practice against a daily goal, the days practised (a streak
and a calendar strip) and the spots where the lightest clean pressure was found this week.

No Qt: the History tab shows what :func:`progress` works out from a
:class:`~buzzfinder_app.practice.sessions.SessionStore`'s sessions and notes. Days are the player's
local calendar days (``tz``, the machine's zone by default); "now" comes from a clock, so tests
choose it. A week starts on Monday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Callable, Iterable

from buzzfinder_app.words import plural

#: What a daily goal counts.
GOAL_KINDS = ("minutes", "repetitions")
DEFAULT_GOAL = ("minutes", 10)
#: Days in the calendar strip: five weeks, Monday to Sunday, the last one this week.
STRIP_WEEKS = 5


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(ts: str | None) -> datetime | None:
    """A stored time stamp (ISO 8601; UTC when it names no zone), or None when missing or malformed.

    >>> parse_time("2026-12-06T19:00:00.000+00:00").hour, parse_time("bad")
    (19, None)
    """
    if not ts:
        return None
    try:
        dt = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def strip_days(today: date) -> list[date]:
    """The calendar strip's days, oldest first: whole weeks from Monday, the last one ``today``'s."""
    first = today - timedelta(days=today.weekday(), weeks=STRIP_WEEKS - 1)
    return [first + timedelta(days=i) for i in range(7 * STRIP_WEEKS)]


@dataclass(frozen=True)
class Progress:
    today: date
    goal_kind: str            # "minutes" or "repetitions"
    goal: int
    done: int                 # today's minutes (whole) or repetitions
    streak: int               # days in a row with practice, up to today (or yesterday, today not yet)
    days: dict[date, float]   # minutes practised per day of the strip (0: none)
    spots_found: int          # this week: spots with a note whose outcome was "success"
    spots_tried: int          # this week: spots (targets) played at all

    @property
    def reached(self) -> bool:
        return self.done >= self.goal

    def goal_text(self) -> str:
        unit = "minute" if self.goal_kind == "minutes" else "repetition"
        if self.reached:
            return f"Today: {plural(self.done, unit)}, the daily goal of {self.goal} is reached."
        return f"Today: {self.done} of {plural(self.goal, unit)} practised."

    def streak_text(self) -> str:
        if not self.streak:
            return "No practice streak yet: play today to start one."
        return f"{plural(self.streak, 'day')} in a row with practice."

    def spots_text(self) -> str:
        if not self.spots_tried:
            return "No exercise spots played this week yet."
        return (f"Lightest clean pressure found on {self.spots_found} of "
                f"{plural(self.spots_tried, 'spot')} this week.")


def _minutes_by_day(sessions, notes_by_session: dict[int, list], now: datetime, tz) -> dict[date, float]:
    """Minutes practised per local day: each session from its start to its end (an open one to its
    last note, or now), counted on the day it started; sessions without notes count nothing."""
    minutes: dict[date, float] = {}
    for s in sessions:
        notes = notes_by_session.get(s.id, [])
        start = parse_time(s.started_at)
        if start is None or not notes:
            continue
        end = parse_time(s.ended_at) or max((parse_time(n.created_at) for n in notes if parse_time(n.created_at)),
                                       default=None) or now
        day = start.astimezone(tz).date()
        minutes[day] = minutes.get(day, 0.0) + max(0.0, (end - start).total_seconds()) / 60
    return minutes


def progress(sessions: Iterable, notes: Iterable, *, goal: tuple[str, int] = DEFAULT_GOAL,
             clock: Callable[[], datetime] = _utc_now, tz: tzinfo | None = None,
             note_times: Iterable[str] = ()) -> Progress:
    """Today's progress toward ``goal`` (kind, amount), the streak, the strip and this week's spots,
    from a store's :meth:`~SessionStore.sessions` and :meth:`~SessionStore.notes` (those of the
    strip's weeks are enough); ``note_times``, when each older note was played, for a longer streak."""
    kind, amount = goal
    if kind not in GOAL_KINDS:
        kind, amount = DEFAULT_GOAL
    now = clock()
    today = now.astimezone(tz).date()
    notes = list(notes)
    by_session: dict[int, list] = {}
    for n in notes:
        by_session.setdefault(n.session_id, []).append(n)
    minutes = _minutes_by_day(list(sessions), by_session, now, tz)

    practised = set(minutes)
    for ts in set(note_times):
        when = parse_time(ts)
        if when is not None:
            practised.add(when.astimezone(tz).date())
    reps_today = set()
    monday = today - timedelta(days=today.weekday())
    tried, found = set(), set()
    for n in notes:
        when = parse_time(n.created_at)
        if when is None:
            continue
        day = when.astimezone(tz).date()
        practised.add(day)
        if day == today and n.repetition is not None:
            reps_today.add((n.session_id, n.repetition))
        if n.target and monday <= day <= today:
            tried.add(n.target)
            if n.outcome == "success":
                found.add(n.target)

    streak, day = 0, today if today in practised else today - timedelta(days=1)
    while day in practised:
        streak += 1
        day -= timedelta(days=1)

    done = int(minutes.get(today, 0.0)) if kind == "minutes" else len(reps_today)
    # a day with notes but no length (a single note) still shows as practised
    days = {d: max(minutes.get(d, 0.0), 0.01) if d in practised else 0.0 for d in strip_days(today)}
    return Progress(today, kind, max(1, int(amount)), done, streak, days, len(found), len(tried))


def store_progress(store, *, clock: Callable[[], datetime] = _utc_now, tz: tzinfo | None = None,
                   **kwargs) -> Progress:
    """:func:`progress` over what ``store`` holds: the notes of the strip's weeks (and a day more for
    any zone), and only the times of the others."""
    now = clock()
    first = strip_days(now.astimezone(tz).date())[0]
    since = datetime.combine(first - timedelta(days=1), datetime.min.time(), timezone.utc)
    return progress(store.sessions(), store.notes(since=since), clock=lambda: now, tz=tz,
                    note_times=store.note_times(), **kwargs)
