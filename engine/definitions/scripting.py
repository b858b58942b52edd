"""Restricted scripts and conditions.

Diagrams are edited by agency staff, so script tasks, gateway conditions, timer
expressions and DMN expressions run under RestrictedPython: no imports, no
access to names or attributes that start with "_", no file or network access,
and only the short list of builtins below. Plain `exec` with trimmed globals is
not a sandbox (`().__class__.__bases__` walks out of it); RestrictedPython
rewrites the code so every attribute, item and iteration goes through a guard.
Each evaluation also runs within a time budget and bounded allocation
(script_limits).
"""
from __future__ import annotations

import ast
import functools
import re
from datetime import date, datetime, timedelta

from ..clock import ClockedDatetime
from .script_helpers import SCRIPT_HELPERS
from .script_limits import (
    DEFAULT_TIME_LIMIT,
    OPERATOR_GUARDS,
    Budget,
    LimitingTransformer,
    bounded_range,
    bounded_sum,
    guard_method,
    guarded_add,
    guarded_mod,
    guarded_mult,
)
from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment


class ScriptRejected(Exception):
    """A script or expression is not allowed to run."""


_ALLOWED_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "int",
        "isinstance", "len", "list", "map", "max", "min", "range", "reversed", "round", "set",
        "sorted", "str", "sum", "tuple", "zip", "ValueError", "KeyError", "TypeError",
    )
}
_ALLOWED_BUILTINS.update({"None": None, "True": True, "False": False,
                          "range": bounded_range, "sum": bounded_sum})

# Date helpers agencies need in conditions ("age at referral", "due in 30 days").
_HELPERS = {"date": date, "datetime": ClockedDatetime, "timedelta": timedelta, **SCRIPT_HELPERS}

_OPERATORS = {
    "+=": guarded_add, "-=": lambda a, b: a - b, "*=": guarded_mult,
    "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": guarded_mod,
}


def _inplacevar(op, target, value):
    operator = _OPERATORS.get(op)
    if operator is None:
        raise ScriptRejected(f"operator {op} is not allowed in scripts")
    return operator(target, value)


def _getattr(obj, name, *default):
    return guard_method(obj, name, safer_getattr(obj, name, *default))


# The sandbox's own names; each evaluation gets a copy, so a script's assignments stay its own.
_SANDBOX = {
    "__builtins__": _ALLOWED_BUILTINS,
    "__name__": "casepath_script",
    "__metaclass__": type,
    "_getattr_": _getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_print_": PrintCollector,
    "_tick_": None,  # each evaluation's own Budget.tick
    **OPERATOR_GUARDS,
    **_HELPERS,
}


def _guards() -> dict:
    return dict(_SANDBOX)

_GUARD_NAMES = frozenset(_SANDBOX)

# Timers may be written Camunda-style as bare ISO-8601 (P90D, R/P7D, 2026-01-01T09:00)
# as well as Spiff-style Python string expressions ("P90D").
_BARE_ISO = re.compile(r"^(R\d*/.+|P(?=\d|T\d)[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.+\-Z]+)?)$")


def is_bare_iso(expression: str) -> bool:
    return bool(_BARE_ISO.match(expression.strip()))


# Builtins that exist in Python but not here; named at deploy so the author learns
# it before a case fails at run time.
_UNAVAILABLE = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "type", "input", "breakpoint", "memoryview", "help", "exit", "quit", "dir", "object",
})


def _no_imports(tree: ast.AST) -> list[str]:
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append(f"line {node.lineno}: imports are not allowed in scripts")
        elif isinstance(node, ast.Name) and node.id in _UNAVAILABLE:
            problems.append(f"line {node.lineno}: '{node.id}' is not available in scripts")
    return problems


def check_source(source: str, mode: str) -> list[str]:
    """Return why `source` may not run ('' list when it may). mode: 'exec' or 'eval'."""
    if mode == "eval" and is_bare_iso(source):
        return []
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: {exc.msg}"]
    problems = _no_imports(tree)
    problems.extend(_restricted(source, mode).errors)
    return problems


def _restricted(source: str, mode: str):
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compile_mode(source, policy=LimitingTransformer)


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    problems = check_source(source, mode)
    if problems:
        raise ScriptRejected("; ".join(problems))
    return _restricted(source, mode).code


def _data_names(context: dict) -> dict:
    """Task data as a script sees it: never a name starting with "_", so no answer can
    replace the sandbox's guards (`_getattr_`, `_write_`, `__builtins__`, ...)."""
    return {name: value for name, value in context.items() if not str(name).startswith("_")}


def _run(run, code, scope: dict, budget: Budget):
    """Run compiled code within its budget. A breach the code swallowed (a bare `except:`)
    is raised again, so a limit always ends the evaluation as a failure."""
    scope["_tick_"] = budget.tick
    try:
        result = run(code, scope)
    except Exception:
        budget.check()
        raise
    budget.check()
    return result


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that only runs restricted code, each evaluation
    within `time_limit` seconds."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT):
        super().__init__()
        self.time_limit = time_limit

    def evaluate(self, expression, context, external_context=None):
        if is_bare_iso(expression):
            return expression.strip()
        code = _compile(expression, "eval")
        scope = _guards()
        scope.update(_data_names(external_context or {}))
        scope.update(_data_names(context))
        return _run(eval, code, scope, Budget(self.time_limit))

    def execute(self, script, context, external_context=None):
        code = _compile(script, "exec")
        scope = _guards()
        scope.update(_data_names(external_context or {}))
        visible = _data_names(context)
        scope.update(visible)
        _run(exec, code, scope, Budget(self.time_limit))
        for name in visible:
            if name not in scope:
                del context[name]
        for name, value in scope.items():
            if name in _GUARD_NAMES or name.startswith("_") or callable(value):
                continue
            if external_context and name in external_context:
                continue
            context[name] = value
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRejected("service tasks are not supported")


def restricted_script_engine(time_limit: float | None = None) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(time_limit or DEFAULT_TIME_LIMIT))
