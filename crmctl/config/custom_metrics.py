"""User-defined metrics: arithmetic over other metrics of the same period and segment.

    custom_metrics:
      brand_equity:
        expression: 0.4 * nps + 30 * csat + 100 * market_share
        title: Brand equity index
        unit: score              # ratio, count, money, months, days, hours, seconds, score
        higher_is_better: true

Grammar: numbers, metric names, + − * / ( ) and min(a, b, …), max(a, b, …). Parsed by the small
recursive-descent parser below, never eval'd. Division by zero gives null; a null operand gives null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")
FUNCTIONS = ("min", "max")


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Node:
    op: str  # num | name | neg | + | - | * | / | min | max
    args: tuple = ()
    value: object = None


def parse(text: str) -> Node:
    tokens = _tokens(text)
    node, rest = _sum(tokens)
    if rest:
        raise ExpressionError(f"unexpected {rest[0][1]!r}")
    return node


def names(node: Node) -> set[str]:
    if node.op == "name":
        return {node.value}
    return set().union(*(names(a) for a in node.args)) if node.args else set()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        number, name, other = match.groups()
        if number:
            tokens.append(("num", number))
        elif name:
            tokens.append(("name", name))
        elif other in "+-*/(),":
            tokens.append(("op", other))
        else:
            raise ExpressionError(f"unexpected character {other!r}")
        position = match.end()
    if not tokens:
        raise ExpressionError("empty expression")
    return tokens


def _binary(tokens, operators: str, operand):
    """A left-associative chain `operand (op operand)*` for one precedence level."""
    node, tokens = operand(tokens)
    while tokens and tokens[0][0] == "op" and tokens[0][1] in operators:
        op = tokens[0][1]
        right, tokens = operand(tokens[1:])
        node = Node(op, (node, right))
    return node, tokens


def _sum(tokens):
    return _binary(tokens, "+-", _product)


def _product(tokens):
    return _binary(tokens, "*/", _unary)


def _unary(tokens):
    if tokens and tokens[0] == ("op", "-"):
        node, tokens = _unary(tokens[1:])
        return Node("neg", (node,)), tokens
    return _atom(tokens)


def _atom(tokens):
    if not tokens:
        raise ExpressionError("the expression ends too early")
    kind, text = tokens[0]
    if kind == "num":
        return Node("num", value=float(text)), tokens[1:]
    if kind == "name" and len(tokens) > 1 and tokens[1] == ("op", "("):
        if text not in FUNCTIONS:
            raise ExpressionError(f"unknown function {text!r} (functions: min, max)")
        args, tokens = _arguments(tokens[2:])
        return Node(text, tuple(args)), tokens
    if kind == "name":
        return Node("name", value=text), tokens[1:]
    if tokens[0] == ("op", "("):
        node, tokens = _sum(tokens[1:])
        if not tokens or tokens[0] != ("op", ")"):
            raise ExpressionError("a '(' is not closed")
        return node, tokens[1:]
    raise ExpressionError(f"unexpected {text!r}")


def _arguments(tokens):
    args = []
    while True:
        node, tokens = _sum(tokens)
        args.append(node)
        if tokens and tokens[0] == ("op", ","):
            tokens = tokens[1:]
            continue
        if tokens and tokens[0] == ("op", ")"):
            return args, tokens[1:]
        raise ExpressionError("a function's '(' is not closed")


def to_polars(node: Node):
    """The expression over columns named after the metrics it uses."""
    import polars as pl

    if node.op == "num":
        return pl.lit(node.value, pl.Float64)
    if node.op == "name":
        return pl.col(node.value).cast(pl.Float64)
    args = [to_polars(a) for a in node.args]
    if node.op == "neg":
        return -args[0]
    if node.op in FUNCTIONS:
        # Polars' horizontal min/max skip nulls; a metric without a value must make the result null.
        any_null = pl.any_horizontal([a.is_null() for a in args])
        combined = pl.min_horizontal(args) if node.op == "min" else pl.max_horizontal(args)
        return pl.when(~any_null).then(combined)
    left, right = args
    if node.op == "/":
        return pl.when(right != 0).then(left / right)
    return {"+": left + right, "-": left - right, "*": left * right}[node.op]


@dataclass(frozen=True)
class CustomSpec:
    name: str
    expression: str
    node: Node
    title: str
    unit: str
    higher_is_better: bool | None
    description: str


CUSTOM_KEYS = ("expression", "title", "unit", "higher_is_better", "description")


def parse_custom_metrics(raw, problems, units) -> dict[str, CustomSpec]:
    """Validated custom metrics: syntax, units, no cycles. The names they use, and whether they shadow a
    built-in, are checked against the catalogue when a report is planned (crmctl.metrics.catalogue)."""
    specs = {}
    for name, body, path in problems.entries("custom_metrics", raw, "a mapping of metric name to {expression, "
                                             "title, unit}", "a mapping with expression, title and unit"):
        problems.unknown_keys(path, body, CUSTOM_KEYS)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", str(name)):
            problems.add(path, "names are lower-case letters, digits and underscores")
            continue
        expression = body.get("expression")
        if problems.typed(f"{path}.expression", expression, str, "an arithmetic expression over metric names") is None:
            continue
        try:
            node = parse(expression)
        except ExpressionError as exc:
            problems.add(f"{path}.expression", f"{exc} in {expression!r}")
            continue
        unit = body.get("unit", "score")
        if unit not in units:
            problems.choice(f"{path}.unit", unit, units)
            unit = "score"
        specs[name] = CustomSpec(name, expression, node, str(body.get("title", name)), unit,
                                 body.get("higher_is_better"), str(body.get("description", "")))
    _check_cycles(specs, problems)
    return specs


def _check_cycles(specs: dict, problems) -> None:
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done" or name not in specs:
            return
        if state.get(name) == "visiting":
            cycle = trail[trail.index(name):] + [name]
            problems.add(f"custom_metrics.{name}.expression", f"refers to itself: {' → '.join(cycle)}")
            return
        state[name] = "visiting"
        for used in sorted(names(specs[name].node)):
            visit(used, [*trail, name])
        state[name] = "done"

    for name in specs:
        visit(name, [])
