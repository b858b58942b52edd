"""The test agency: its staff (all with one password), its first client, and the Monday
morning every test's clock starts at."""
from __future__ import annotations

from datetime import datetime, timezone

from argon2 import PasswordHasher

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # a Monday morning
PASSWORD = "correct-horse-battery"

USERS = [  # (username, roles, team)
    ("ada", ["admin"], None),
    ("sam", ["supervisor"], "north"),
    ("sue", ["supervisor"], "north"),
    ("carol", ["case_manager"], "north"),
    ("cody", ["case_manager"], "north"),
    ("ivy", ["intake"], "north"),
    ("olga", ["case_manager"], "south"),
    ("seth", ["supervisor"], "south"),
]

# The client most stories follow.
ADULT = {"first_name": "Ruth", "last_name": "Okafor", "birth_date": "1948-03-14", "preferred_language": "English"}

# argon2 at its production cost is most of the suite's CPU time (8 people per test); the
# tests hash with the cheapest parameters argon2 allows. Sign-in tests still verify real hashes.
CHEAP_HASHING = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
