"""Expands a calendar with Python's icalendar + recurring_ical_events, as the baseline
for season planning: parse the file and list every occurrence in its span, touching each
one's title and start. Prints the median seconds per run.

usage: python3 bench/python_plan_baseline.py FILE [RUNS]
"""
import statistics
import sys
import time

import icalendar
import recurring_ical_events


def expand(data: bytes) -> int:
    cal = icalendar.Calendar.from_ical(data)
    starts = [e.decoded("dtstart") for e in cal.walk("VEVENT")]
    days = [s if not hasattr(s, "date") else s.date() for s in starts]
    lo, hi = min(days), max(days)
    n = 0
    for ev in recurring_ical_events.of(cal).between(lo, hi.replace(year=hi.year + 1)):
        _ = (str(ev.get("summary", "")), ev.decoded("dtstart"))
        n += 1
    return n


def main() -> None:
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    data = open(path, "rb").read()
    n = expand(data)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        expand(data)
        times.append(time.perf_counter() - t0)
    print(f"python_occurrences {n}")
    print(f"python_median_s {statistics.median(times):.6f}")


if __name__ == "__main__":
    main()
