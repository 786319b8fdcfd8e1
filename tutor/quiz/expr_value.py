"""The value of an expression tree (`tutor.quiz.expr`), with bounded work.

Every value is a float, never a big integer, so no operation can take long; a power or an
exponential whose result would pass the float range is refused from its logarithm before it
is computed (``9^9^9^9`` is refused in microseconds, ``2^−1e10`` is 0). No result is NaN, and
none is infinite unless the caller allows it (an overflow of finite numbers is "too large",
never ∞). Every refusal is an `ExprError` (an `AnswerFormatError`) saying why.
"""

from __future__ import annotations

import math

from tutor.errors import quote
from tutor.explain.format import compact
from tutor.quiz.expr import Call, Const, ExprError, Group, Node, Num, Percent, Power, Sign, show

#: log10 and ln of the largest float (1.797…e308).
LOG10_MAX = math.log10(1.7976931348623157e308)
LN_MAX = math.log(1.7976931348623157e308)
_CONSTANT_VALUES = {"π": math.pi, "e": math.e, "∞": math.inf}


def evaluate(node: Node, *, allow_infinity: bool = False) -> float:
    """The value of `node`: a float, never NaN, infinite only with `allow_infinity`."""
    value = _value(node, allow_infinity)
    if math.isnan(value):  # pragma: no cover - every operation below refuses first
        raise ExprError(f"{quote(show(node))} is undefined")
    if math.isinf(value) and not allow_infinity:
        raise ExprError("∞ is not a possible answer here; give a finite number")
    return value


def _value(node: Node, inf_ok: bool) -> float:
    if isinstance(node, Num):
        number = float(node.text)
        if math.isinf(number):
            raise ExprError(f"{quote(node.text, 20)} is too large for a float (over 1.8e308)")
        return number
    if isinstance(node, Const):
        if node.name == "∞" and not inf_ok:
            raise ExprError("∞ is not a possible answer here; give a finite number")
        return _CONSTANT_VALUES[node.name]
    if isinstance(node, Group):
        return _value(node.inner, inf_ok)
    if isinstance(node, Sign):
        operand = _value(node.operand, inf_ok)
        return -operand if node.sign == "-" else operand
    if isinstance(node, Percent):
        return _value(node.operand, inf_ok) / 100
    if isinstance(node, Call):
        return _call(node.name, _value(node.arg, inf_ok), inf_ok)
    if isinstance(node, Power):
        return _power(_value(node.base, inf_ok), _value(node.exponent, inf_ok))
    return _binary(node.op, _value(node.left, inf_ok), _value(node.right, inf_ok))


def _binary(op: str, a: float, b: float) -> float:
    if op == "/":
        if b == 0:
            raise ExprError("division by zero")
        result = a / b
    elif op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    else:
        result = a * b
    if math.isnan(result):
        raise ExprError("undefined (like ∞ − ∞, 0·∞ or ∞/∞)")
    if math.isinf(result) and math.isfinite(a) and math.isfinite(b):
        raise ExprError("a value is too large for a float (over 1.8e308)")
    return result


def _power(base: float, exponent: float) -> float:
    """base^exponent, refused from its logarithm when it would pass the float range."""
    if base == 0 and exponent <= 0:
        raise ExprError("0^0 is undefined" if exponent == 0 else "0 to a negative power divides by zero")
    if base < 0 and math.isfinite(exponent) and not exponent.is_integer():
        raise ExprError("a negative number to a fractional power is not a real number")
    if math.isfinite(base) and math.isfinite(exponent) and base != 0:
        magnitude = exponent * math.log10(abs(base))
        if magnitude > LOG10_MAX + 1:
            about = f"about 10^{compact(magnitude)}" if math.isfinite(magnitude) else "far beyond 10^308"
            raise ExprError(f"a power is too large for a float ({about})")
        if magnitude < -400:
            return 0.0 if base > 0 or exponent % 2 == 0 else -0.0
    try:
        result = math.pow(base, exponent)
    except OverflowError:
        raise ExprError("a power is too large for a float (over 1.8e308)") from None
    if math.isnan(result):  # pragma: no cover - 1^∞ and the like are defined by math.pow
        raise ExprError("this power is undefined")
    return result


def _call(name: str, x: float, inf_ok: bool) -> float:
    if name == "exp":
        if math.isfinite(x) and x > LN_MAX:
            raise ExprError(f"exp({compact(x)}) is too large for a float (about 10^{compact(x / math.log(10))})")
        return math.exp(x)
    if name == "√":
        if x < 0:
            raise ExprError("the square root of a negative number is not a real number")
        return math.sqrt(x)
    if x < 0:
        raise ExprError(f"{name} of a negative number is undefined")
    if x == 0:
        if not inf_ok:
            raise ExprError(f"{name} 0 is −∞, not a number")
        return -math.inf
    if math.isinf(x):
        return math.inf
    return {"ln": math.log, "log2": math.log2, "log10": math.log10}[name](x)
