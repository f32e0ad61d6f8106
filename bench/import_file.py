"""Writes a Strong CSV export of ROWS rows (the newer, comma-separated form:
12-hour times with a narrow no-break space, pounds), and with --read, times
Python's csv module reading it back: the floor for parsing the same file.

    python3 bench/import_file.py OUT.csv 100000
    python3 bench/import_file.py OUT.csv --read      # prints seconds
"""

import csv
import datetime
import sys
import time

HEADER = ["Date", "Workout Name", "Duration", "Exercise Name", "Set Order", "Weight", "Reps",
          "Distance", "Seconds", "Notes", "Workout Notes", "RPE"]
EXERCISES = ["Squat (Barbell)", "Bench Press (Barbell)", "Deadlift (Barbell)", "Overhead Press (Barbell)",
             "Barbell Row", "Pull Up", "Lunge (Dumbbell)", "Bicep Curl (Dumbbell)"]
SETS_PER_EXERCISE = 5
EXERCISES_PER_WORKOUT = 4


def write(path: str, rows: int) -> None:
    per_workout = SETS_PER_EXERCISE * EXERCISES_PER_WORKOUT
    workouts = (rows + per_workout - 1) // per_workout
    start = datetime.datetime(2026, 11, 1, 18, 4, 11) - datetime.timedelta(days=workouts)
    written = 0
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for w in range(workouts):
            when = start + datetime.timedelta(days=w)
            stamp = when.strftime("%Y-%m-%d ") + when.strftime("%I:%M:%S").lstrip("0") + "\u202f" + when.strftime("%p")
            for e in range(EXERCISES_PER_WORKOUT):
                exercise = EXERCISES[(w + e) % len(EXERCISES)]
                for s in range(SETS_PER_EXERCISE):
                    if written == rows:
                        return
                    weight = 95 + (w % 40) * 2.5 + s * 10
                    writer.writerow([stamp, f"Day {w % 3 + 1}", "1h 5m", exercise, s + 1, f"{weight:.1f}",
                                     5, 0, 0, "", "", "8" if s == SETS_PER_EXERCISE - 1 else ""])
                    written += 1


def read(path: str) -> float:
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as source:
        count = sum(1 for _ in csv.DictReader(source))
    seconds = time.perf_counter() - started
    assert count > 0
    return seconds


if __name__ == "__main__":
    if sys.argv[2] == "--read":
        print(f"{read(sys.argv[1]):.3f}")
    else:
        write(sys.argv[1], int(sys.argv[2]))
