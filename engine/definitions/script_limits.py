"""Limits on agency code: a wall-time budget per evaluation and bounded allocation.

RestrictedPython keeps a script away from the host; it does not stop `while True:
pass` or `'a' * 10**10`, and one such diagram can hold every server thread. A
signal alarm only works in the main thread and Flask serves from worker threads,
so the budget is cooperative instead: the compiler below puts a `_tick_()` at the
top of every loop and function body and into every comprehension; each tick
compares the clock with this evaluation's deadline. Operators that can allocate
without looping (`*`, `**`, `<<`, `+`, `%`, f-string widths) become calls that
estimate the result's size first and refuse beyond the limits (simpleeval's
MAX_POWER / MAX_STRING_LENGTH approach); `range` and the string methods that pad
or repeat are bounded the same way.

What the guards cannot see is C code that runs long over data that is already
within the limits (`sorted` of ten million characters, `str()` of a list that
holds the same big string a million times).
"""
from __future__ import annotations

import ast
import math
import re
import time

from RestrictedPython import RestrictingNodeTransformer

DEFAULT_TIME_LIMIT = 1.0  # seconds per evaluation (CASEPATH_SCRIPT_TIME_LIMIT)
MAX_SIZE = 10 * 1024 * 1024  # characters of a string, or bytes of a list's item pointers
MAX_SIZE_TEXT = "10 MB"
MAX_DIGITS = 10_000
MAX_INT_BITS = int(MAX_DIGITS * 3.3219280948873626)  # log2(10)
MAX_RANGE = 1_000_000


class ScriptLimitExceeded(Exception):
    """Agency code went past its time budget or asked for too large a value."""


def _too_large() -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"the result would be too large (limit {MAX_SIZE_TEXT})")


def _too_many_digits() -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"the number would be too large (limit {MAX_DIGITS:,} digits)")


class Budget:
    """One evaluation's time budget; `tick` is the `_tick_` its code calls."""

    __slots__ = ("seconds", "deadline", "breached")

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.breached: ScriptLimitExceeded | None = None

    def tick(self) -> bool:
        # Returns True so it can stand as a comprehension's first `if`.
        if time.monotonic() > self.deadline:
            self.breached = ScriptLimitExceeded(
                f"stopped after {self.seconds:g} s (the script time limit, CASEPATH_SCRIPT_TIME_LIMIT)")
            raise self.breached
        return True

    def check(self) -> None:
        """Raise again a breach the code swallowed with a bare `except:`."""
        if self.breached is not None:
            raise self.breached


# --- sizes ------------------------------------------------------------------

_SEQUENCES = (str, bytes, list, tuple)


def _size(value) -> int:
    """Rough bytes a sequence holds: characters of a string, pointers of a list."""
    return len(value) if isinstance(value, (str, bytes)) else len(value) * 8


def _check_size(size: int) -> None:
    if size > MAX_SIZE:
        raise _too_large()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def guarded_mult(left, right):
    if _is_int(right) and isinstance(left, _SEQUENCES):
        _check_size(_size(left) * max(right, 0))
    elif _is_int(left) and isinstance(right, _SEQUENCES):
        _check_size(_size(right) * max(left, 0))
    elif _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise _too_many_digits()
    return left * right


def guarded_pow(base, exponent):
    if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        if math.log2(abs(base)) * exponent > MAX_INT_BITS:
            raise _too_many_digits()
    return base ** exponent


def guarded_lshift(value, shift):
    if _is_int(value) and _is_int(shift) and value and value.bit_length() + shift > MAX_INT_BITS:
        raise _too_many_digits()
    return value << shift


def guarded_add(left, right):
    if type(left) is float or type(left) is int:  # the common case first: it runs in loops
        return left + right
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_size(_size(left) + _size(right))
    return left + right


# A printf-style conversion: its width and precision (either may be '*').
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
_DIGITS = re.compile(r"\d+")


def _number(text: str) -> int:
    return int(text) if len(text) <= 9 else MAX_SIZE + 1


def guarded_mod(left, right):
    if isinstance(left, str):
        widths = [w for spec in _PRINTF.findall(left) for w in spec if w]
        args = right if isinstance(right, tuple) else (right,)
        estimate = len(left) + sum(_number(w) for w in widths if w != "*")
        if "*" in widths:  # the width comes from the arguments
            estimate += sum(abs(a) for a in args if _is_int(a))
        estimate += sum(len(a) for a in args if isinstance(a, str))
        _check_size(estimate)
    return left % right


def guarded_format(value, conversion: int, spec: str) -> str:
    """An f-string field `{value!conversion:spec}`, refused when its width is too wide."""
    if any(_number(d) > MAX_SIZE for d in _DIGITS.findall(spec)):
        raise _too_large()
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


def bounded_range(*args):
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise ScriptLimitExceeded(f"range() of {len(numbers):,} numbers is too long (limit {MAX_RANGE:,})")
    return numbers


def bounded_sum(iterable, /, start=0):
    """sum(), except that adding up lists (`sum(lists, [])`) goes through the size guard."""
    if not isinstance(start, _SEQUENCES):
        return sum(iterable, start)
    total = start
    for item in iterable:
        total = guarded_add(total, item)
    return total


def _pad_guard(method):
    def padded(width, *rest):
        if _is_int(width) and width > MAX_SIZE:
            raise _too_large()
        return method(width, *rest)
    return padded


def _join_guard(separator):
    def join(iterable):
        items = list(iterable)  # one pass, so a generator is not consumed twice
        _check_size(sum(len(i) for i in items if isinstance(i, (str, bytes)))
                    + len(separator) * max(len(items) - 1, 0))
        return separator.join(items)
    return join


def _replace_guard(text):
    def replace(old, new, *count):
        if isinstance(old, (str, bytes)) and isinstance(new, (str, bytes)) and len(new) > len(old):
            times = text.count(old) if old else len(text) + 1
            if count and _is_int(count[0]) and count[0] >= 0:
                times = min(times, count[0])
            _check_size(len(text) + times * (len(new) - len(old)))
        return text.replace(old, new, *count)
    return replace


def _expandtabs_guard(text):
    def expandtabs(tabsize=8):
        tab = "\t" if isinstance(text, str) else b"\t"
        _check_size(len(text) + text.count(tab) * max(tabsize if _is_int(tabsize) else 8, 0))
        return text.expandtabs(tabsize)
    return expandtabs


def _translate_guard(text):
    def translate(table, *rest):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1) \
            if isinstance(table, dict) else 1
        _check_size(len(text) * longest)
        return text.translate(table, *rest)
    return translate


def _extend_guard(items: list):
    def extend(other):
        if hasattr(other, "__len__"):
            _check_size((len(items) + len(other)) * 8)
        return items.extend(other)
    return extend


_STR_GUARDS = {
    "ljust": lambda s: _pad_guard(s.ljust), "rjust": lambda s: _pad_guard(s.rjust),
    "center": lambda s: _pad_guard(s.center), "zfill": lambda s: _pad_guard(s.zfill),
    "join": _join_guard, "replace": _replace_guard, "expandtabs": _expandtabs_guard,
    "translate": _translate_guard,
}


def _unbound(guard):
    """`str.ljust(text, width)`: the guard of the method looked up on the type."""
    return lambda self, *args, **kwargs: guard(self)(*args, **kwargs)


def guard_method(obj, name: str, value):
    """The bounded form of a string's or list's method that can grow without a loop."""
    if isinstance(obj, (str, bytes)) and name in _STR_GUARDS:
        return _STR_GUARDS[name](obj)
    if isinstance(obj, list) and name == "extend":
        return _extend_guard(obj)
    if obj is str and name in _STR_GUARDS:
        return _unbound(_STR_GUARDS[name])
    if obj is list and name == "extend":
        return _unbound(_extend_guard)
    return value


OPERATOR_GUARDS = {
    "_mult_": guarded_mult, "_pow_": guarded_pow, "_lshift_": guarded_lshift, "_add_": guarded_add,
    "_mod_": guarded_mod, "_format_": guarded_format,
}

_BINOP_GUARDS = {ast.Mult: "_mult_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Add: "_add_",
                 ast.Mod: "_mod_"}


def _placed(new: ast.AST, where: ast.AST) -> ast.AST:
    """`new` with `where`'s source position (compile needs one on every node)."""
    return ast.fix_missing_locations(ast.copy_location(new, where))


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _tick_statement(where: ast.AST) -> ast.Expr:
    return _placed(ast.Expr(value=_call("_tick_")), where)


class LimitingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus ticks in every loop, function and comprehension, and
    guard calls for the operators that allocate. The inserted names start with "_", which
    agency code may not write, so only the sandbox can supply them."""

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _tick_statement(node.body[0]))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, _tick_statement(node.body[0]))
        return node

    def visit_FunctionDef(self, node):
        # Recursion without a loop (f calls f twice) would otherwise never tick.
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick_statement(node.body[0]))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _placed(ast.BoolOp(op=ast.And(), values=[_call("_tick_"), node.body]), node.body)
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        node.ifs.insert(0, _placed(_call("_tick_"), node.iter))
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        return _placed(_call(guard, node.left, node.right), node)

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        if node.format_spec is None:
            return node
        value = _call("_format_", node.value, ast.Constant(node.conversion), node.format_spec)
        return _placed(ast.FormattedValue(value=value, conversion=-1, format_spec=None), node)
