"""Times as people write them for --since/--until, beyond the ISO forms `timebounds` reads
itself (imported only when a bound is not one of those): what journalctl, lnav and hl accept.

- relative: `1h ago`, `30 min ago`, `-3h`, `+2h`, `2 hours ago`, `1h 30min ago`, `1h30m ago`,
  `an hour ago`, `2 days ago`; units s/sec/second, m/min/minute, h/hr/hour, d/day,
  w/week, month (30.44 days) and y/year (365.25 days), as journalctl counts them;
- days: `today`, `yesterday`, `tomorrow` (midnight), `monday` (the latest Monday, today
  included), `last monday` (the latest Monday before today), `mon`..`sun`;
  `Dec 1`, `1 Dec`, `December 1` (the latest past one), `Dec 1 2024`, `Dec 1, 2024`;
  `2026/06/01`; an ISO date after a weekday, `Wed 2026-06-10` (which must agree);
- times of day: `10:00`, `10:00:30`, `2pm`, `2:30 pm`, `noon`, `midnight`, alone (today)
  or before or after a day, with an optional `at`: `yesterday 10:00`, `2pm yesterday`,
  `last monday at 9:00`;
- `@1781105000` (epoch seconds), and a trailing `UTC`, `GMT` or `Z`.

Refused with the reason: a numeric date whose day and month can be swapped
(`12/01/2026`, `01-12-2026`, `3/4`: write it year first, 2026-01-12), a weekday that does
not match its date, an impossible date or time of day.

No parsing library: dateparser, the one that reads relative phrases, takes ~0.2 s to
import and give its first answer, and reads `12/01/2026` as 1 December (a guess from its
default settings) instead of refusing it; this grammar is small.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from .timeformats import Zone

UNITS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
         "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
         "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
         "d": 86400, "day": 86400, "days": 86400,
         "w": 7 * 86400, "wk": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400,
         "month": 30.44 * 86400, "months": 30.44 * 86400, "mo": 30.44 * 86400,
         "y": 365.25 * 86400, "year": 365.25 * 86400, "years": 365.25 * 86400}
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_RELATIVE = re.compile(rf"^(?:([+-])\s*|in\s+)?((?:(?:\d+(?:\.\d+)?|an?\s)\s*(?:{_UNIT})(?![a-z])\s*(?:and\s+|,\s*)?)+)"
                       rf"(\s+ago|\s+left|\s+from\s+now)?$")
_PIECE = re.compile(rf"(\d+(?:\.\d+)?|an?)\s*({_UNIT})(?![a-z])")

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|" \
           r"sun(?:day)?)\.?"
_CLOCK = re.compile(r"(?<![\d:/.-])(\d{1,2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(am|pm|a\.m\.|p\.m\.)?"
                    r"(?![\d:/-])")
_AMBIGUOUS = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{2}|\d{4}))?(?:[ T].*)?$")


def parse_phrase(text: str, now: float, zone: Zone) -> float:
    """Epoch seconds for one of the forms above; ValueError saying why otherwise."""
    value = " ".join(text.strip().split()).lower()
    if value.startswith("@") and re.fullmatch(r"@\d+(?:\.\d+)?", value):
        return float(value[1:])
    ambiguous = _AMBIGUOUS.match(value)
    if ambiguous:
        first, second, year = ambiguous.group(1), ambiguous.group(3), ambiguous.group(4) or "YYYY"
        raise ValueError(f"{text!r} is ambiguous: is {first} the day or the month? Write the date year first "
                         f"({year}-{int(second):02d}-{int(first):02d} or {year}-{int(first):02d}-{int(second):02d})")
    relative = _RELATIVE.match(value)
    if relative:
        seconds = sum((float(amount) if amount[0].isdigit() else 1.0) * UNITS[unit]
                      for amount, unit in _PIECE.findall(relative.group(2)))
        future = relative.group(1) == "+" or value.startswith("in ") or (relative.group(3) or "").strip() in (
            "left", "from now")
        return now + seconds if future else now - seconds
    if value.endswith((" utc", " gmt", " z")):
        zone, value = Zone("UTC"), value.rsplit(" ", 1)[0]
    return _day_and_time(text, value, now, zone)


def _day_and_time(text: str, value: str, now: float, zone: Zone) -> float:
    clock = None
    rest = value
    words = {"noon": (12, 0, 0, 0.0), "midnight": (0, 0, 0, 0.0)}
    for word, moment in words.items():
        if re.search(rf"\b{word}\b", rest):
            clock, rest = moment, re.sub(rf"\b{word}\b", " ", rest)
            break
    if clock is None:
        found = None
        for m in _CLOCK.finditer(rest):
            if m.group(2) is not None or m.group(5):  # 10:00, 2pm: a time of day (a lone number is a day)
                found = m
                break
        if found is not None:
            clock = _clock_of(text, found)
            rest = rest[:found.start()] + " " + rest[found.end():]
    rest = " ".join(re.sub(r"\bat\b|,", " ", rest).split())
    today = _today(now, zone)
    day = _day_of(text, rest, today, zone, clock)
    hour, minute, second, fraction = clock or (0, 0, 0, 0.0)
    try:
        return zone.epoch(day.year, day.month, day.day, hour, minute, second + fraction)
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a valid date") from None


def _clock_of(text: str, m: re.Match) -> tuple[int, int, int, float]:
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    fraction = int(m.group(4)) / 10 ** len(m.group(4)) if m.group(4) else 0.0
    half = (m.group(5) or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a valid time of day ({hour}{half}: 1 to 12 before am or pm)")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"{text!r} is not a valid time of day")
    return hour, minute, second, fraction


def _today(now: float, zone: Zone) -> date:
    from datetime import datetime, timezone

    if zone.name is None:
        moment = datetime.fromtimestamp(now)
    elif zone.name.upper() in ("UTC", "Z", "GMT"):
        moment = datetime.fromtimestamp(now, timezone.utc)
    else:
        moment = datetime.fromtimestamp(now, zone._zone)
    return moment.date()


def _day_of(text: str, rest: str, today: date, zone: Zone, clock) -> date:
    if rest in ("", "today", "this day"):
        return today
    if rest == "yesterday":
        return today - timedelta(days=1)
    if rest == "tomorrow":
        return today + timedelta(days=1)
    m = re.fullmatch(rf"(last |this )?{_WEEKDAY}", rest)
    if m:
        wanted = _weekday(m.group(2))
        back = (today.weekday() - wanted) % 7
        if m.group(1) == "last " and back == 0:
            back = 7
        return today - timedelta(days=back)
    m = re.fullmatch(rf"(?:{_WEEKDAY} )?(\d{{4}})[-/](\d{{1,2}})[-/](\d{{1,2}})", rest)
    if m:
        day = _valid_date(text, int(m.group(2)), int(m.group(3)), int(m.group(4)))
        if m.group(1) and _weekday(m.group(1)) != day.weekday():
            raise ValueError(f"{text!r}: {day.isoformat()} was a {WEEKDAYS[day.weekday()].capitalize()}")
        return day
    m = re.fullmatch(rf"(?:{_WEEKDAY} )?{_MONTH} (\d{{1,2}})(?: (\d{{4}}))?", rest) or \
        re.fullmatch(rf"(?:{_WEEKDAY} )?(\d{{1,2}}) {_MONTH}(?: (\d{{4}}))?", rest)
    if m:
        weekday, first, second, year = m.groups()
        month_name, number = (first, second) if not first.isdigit() else (second, first)
        month, day_number = _month(month_name), int(number)
        if year is not None:
            day = _valid_date(text, int(year), month, day_number)
        else:  # the latest past one
            day = None
            for candidate_year in (today.year, today.year - 1, today.year - 2, today.year - 3, today.year - 4):
                try:
                    candidate = date(candidate_year, month, day_number)
                except ValueError:
                    continue
                if candidate <= today:
                    day = candidate
                    break
            if day is None:
                raise ValueError(f"{text!r} is not a valid date")
        if weekday and _weekday(weekday) != day.weekday():
            raise ValueError(f"{text!r}: {day.isoformat()} was a {WEEKDAYS[day.weekday()].capitalize()}")
        return day
    raise ValueError(f"{text!r} is not a time: give 2026-11-30, '2026-11-30 02:10', 02:10, 2pm, yesterday, "
                     f"'yesterday 10:00', 'last monday', 'Dec 1 12:00', now, '1h ago', -3h, '30 min ago'")


def _valid_date(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None


def _weekday(name: str) -> int:
    return next(i for i, day in enumerate(WEEKDAYS) if day.startswith(name.rstrip(".")[:3]))


def _month(name: str) -> int:
    return next(i for i, month in enumerate(MONTHS, 1) if month.startswith(name.rstrip(".")[:3]))
