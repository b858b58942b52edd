"""What the script limits cost an ordinary diagram.

Times casepath's RestrictedEnvironment (time budget, size guards) against the
same code compiled by stock RestrictedPython and run with the stock guards and
no limits, for:

- a gateway condition:   acuity == 'high' and age >= 60
- a typical script task: a few assignments, a comprehension, a short loop
- a 10,000-iteration loop (each iteration ticks the time budget)

    python bench/script_limits.py [--evaluations 10000]

On the shared 2-core machine the limits were measured at (best of seven; the
"casepath" column, before = commit 78c1e91, the sandbox without limits):
condition 1.6 -> 1.9 µs, script task 4.8 -> 6.0 µs, 10k-iteration loop
1.2 -> 1.9 ms (about 70 ns per iteration: the tick and the guarded `+=`).
Under load the figures move by 2x either way; compare columns of one run.
"""
from __future__ import annotations

import argparse
import time

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr
from RestrictedPython.Guards import full_write_guard

from engine.definitions.scripting import RestrictedEnvironment, _ALLOWED_BUILTINS

CONDITION = "acuity == 'high' and age >= 60"
SCRIPT = ("age = 2026 - int(client['birth_date'][:4])\n"
          "open_goals = len([g for g in goals if not g['done']])\n"
          "total = 0\nfor g in goals:\n    total += 1\n"
          "label = client['first_name'] + ' ' + client['last_name']\n")
LOOP = "total = 0\nfor i in range(10000):\n    total += i\n"
DATA = {"acuity": "high", "age": 72, "client": {"birth_date": "1950-02-03", "first_name": "Ann", "last_name": "Lee"},
        "goals": [{"done": True}, {"done": False}, {"done": False}]}


def _stock_scope() -> dict:
    return {"__builtins__": _ALLOWED_BUILTINS, "_getattr_": safer_getattr, "_getitem_": default_guarded_getitem,
            "_getiter_": default_guarded_getiter, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence, "_write_": full_write_guard,
            "_inplacevar_": lambda op, a, b: a + b}


def stock_evaluate(code, data):
    scope = _stock_scope()
    scope.update(data)
    return eval(code, scope)  # noqa: S307


def stock_execute(code, data):
    scope = _stock_scope()
    scope.update(data)
    exec(code, scope)  # noqa: S102


def per_call_us(run, count: int) -> float:
    run()  # warm the compile cache
    best = float("inf")
    for _ in range(7):  # best of seven: the machine is shared
        started = time.perf_counter()
        for _ in range(count):
            run()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evaluations", type=int, default=10_000)
    count = parser.parse_args().evaluations
    env = RestrictedEnvironment()
    condition = compile_restricted_eval(CONDITION).code
    script = compile_restricted_exec(SCRIPT).code
    loop = compile_restricted_exec(LOOP).code
    rows = [
        ("condition", lambda: stock_evaluate(condition, DATA), lambda: env.evaluate(CONDITION, DATA), count),
        ("script task", lambda: stock_execute(script, DATA), lambda: env.execute(SCRIPT, dict(DATA)), count),
        ("10k-iteration loop", lambda: stock_execute(loop, {}), lambda: env.execute(LOOP, {}), max(count // 100, 10)),
    ]
    print(f"{'':20} {'stock RestrictedPython':>24} {'casepath (limits)':>20} {'overhead':>10}")
    for name, stock, limited, runs in rows:
        before, after = per_call_us(stock, runs), per_call_us(limited, runs)
        print(f"{name:20} {before:21.1f} µs {after:17.1f} µs {after - before:+8.1f} µs   ({runs} runs)")


if __name__ == "__main__":
    main()
