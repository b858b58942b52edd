"""Restricted scripts and conditions.

Diagrams are edited by agency staff, so script tasks, gateway conditions, timer
expressions and DMN expressions run under RestrictedPython: no imports, no
access to names or attributes that start with "_", no file or network access,
and only the short list of builtins below. Plain `exec` with trimmed globals is
not a sandbox (`().__class__.__bases__` walks out of it); RestrictedPython
rewrites the code so every attribute, item and iteration goes through a guard.
"""
from __future__ import annotations

import ast
import functools
import re
from datetime import date, datetime, timedelta

from ..clock import ClockedDatetime
from .script_helpers import SCRIPT_HELPERS
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
_ALLOWED_BUILTINS.update({"None": None, "True": True, "False": False})

# Date helpers agencies need in conditions ("age at referral", "due in 30 days").
_HELPERS = {"date": date, "datetime": ClockedDatetime, "timedelta": timedelta, **SCRIPT_HELPERS}

_OPERATORS = {
    "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
    "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
}


def _inplacevar(op, target, value):
    if op not in _OPERATORS:
        raise ScriptRejected(f"operator {op} is not allowed in scripts")
    return _OPERATORS[op](target, value)


def _guards() -> dict:
    return {
        "__builtins__": _ALLOWED_BUILTINS,
        "__name__": "casepath_script",
        "__metaclass__": type,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_print_": PrintCollector,
        **_HELPERS,
    }


_GUARD_NAMES = frozenset(_guards())

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
    compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    problems.extend(compiled.errors)
    return problems


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    problems = check_source(source, mode)
    if problems:
        raise ScriptRejected("; ".join(problems))
    compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    return compiled.code


def _data_names(context: dict) -> dict:
    """Task data as a script sees it: never a name starting with "_", so no answer can
    replace the sandbox's guards (`_getattr_`, `_write_`, `__builtins__`, ...)."""
    return {name: value for name, value in context.items() if not str(name).startswith("_")}


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """A SpiffWorkflow script environment that only runs restricted code."""

    def evaluate(self, expression, context, external_context=None):
        if is_bare_iso(expression):
            return expression.strip()
        code = _compile(expression, "eval")
        scope = _guards()
        scope.update(external_context or {})
        scope.update(_data_names(context))
        return eval(code, scope)  # noqa: S307 - code was compiled by RestrictedPython

    def execute(self, script, context, external_context=None):
        code = _compile(script, "exec")
        scope = _guards()
        scope.update(external_context or {})
        visible = _data_names(context)
        scope.update(visible)
        exec(code, scope)  # noqa: S102 - code was compiled by RestrictedPython
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


def restricted_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())
