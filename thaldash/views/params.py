"""A page's own settings as data: name, default and allowed values, declared once per page view.

The dashboard's pages read them with ``Frame.param(name)`` (the widget, the session and the URL); the deck
and ``python -m thaldash deck`` read the same declarations from a URL query (``read_params``), so a
copied link, a deck item's recorded state and a command line give the same view. A default or a list of
choices that depends on the data or on an earlier setting (the groups a grouping offers) is a function
of the view and the values read before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from thaldash.text import decode, encode
from thaldash.views.context import ViewContext

Values = Mapping[str, Any]
"""The settings read so far, by name, in declaration order."""


@dataclass(frozen=True)
class Param:
    """One page setting kept in the URL.

    Attributes
    ----------
    name
        The URL parameter (and the widget's key within its page).
    default
        The value when the URL says nothing; its type (str, bool, int, float, tuple of str) is the value's
        type. A function ``(view, values) -> default`` when it depends on the data or an earlier setting.
    choices
        The allowed values (each element, for a tuple), a function ``(view, values) -> choices``, or None.
    minimum, maximum
        Bounds of a number.
    applies
        ``values -> bool``: whether the setting is read at all (group A is a genotype set only when the
        grouping is "genotype_sets"); None: always.
    """

    name: str
    default: Any
    choices: Sequence[Any] | Callable[[ViewContext, Values], Sequence[Any]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    applies: Callable[[Values], bool] | None = None

    def default_for(self, ctx: ViewContext, values: Values) -> Any:
        return self.default(ctx, values) if callable(self.default) else self.default

    def choices_for(self, ctx: ViewContext, values: Values) -> tuple[Any, ...] | None:
        if self.choices is None:
            return None
        return tuple(self.choices(ctx, values) if callable(self.choices) else self.choices)

    def is_read(self, values: Values) -> bool:
        return self.applies is None or bool(self.applies(values))

    def problem(self, value: Any, ctx: ViewContext, values: Values) -> str:
        """Why ``value`` is not allowed ("" when it is), as a sentence naming the allowed values."""
        allowed = self.choices_for(ctx, values)
        items = value if isinstance(value, tuple) else (value,)
        if allowed is not None:
            wrong = [v for v in items if v not in allowed]
            if wrong:
                shown = ", ".join(str(v) for v in allowed[:20]) + (" …" if len(allowed) > 20 else "")
                return (f"{self.name}: {', '.join(map(repr, wrong))} is not allowed here; choose from {shown}"
                        if allowed else f"{self.name}: {', '.join(map(repr, wrong))} is not allowed: this view offers "
                                        "no choice")
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric and ((self.minimum is not None and value < self.minimum) or
                        (self.maximum is not None and value > self.maximum)):
            return f"{self.name}: {value} is outside {self.minimum} to {self.maximum}"
        return ""

    def read(self, text: str, ctx: ViewContext, values: Values) -> Any:
        """The value of URL ``text``; a ValueError sentence when it does not parse or is not allowed."""
        default = self.default_for(ctx, values)
        try:
            value = decode(text, default)
        except ValueError:
            raise ValueError(f"{self.name}: {text!r} is not {_kind(default)}") from None
        value = tuple(value) if isinstance(default, tuple) else value
        problem = self.problem(value, ctx, values)
        if problem:
            raise ValueError(problem)
        return value


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "yes or no (1 or 0)"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    return "a list" if isinstance(default, tuple) else "a text"


def read_params(params: Sequence[Param], ctx: ViewContext, texts: Mapping[str, str]) -> dict[str, Any]:
    """Every setting of ``params`` from URL ``texts`` (a default for each one absent), in order.

    A setting that does not apply (``Param.applies``) is left out. Raises ValueError (a sentence)
    for a value that does not parse or is not allowed.
    """
    values: dict[str, Any] = {}
    for param in params:
        if not param.is_read(values):
            continue
        text = texts.get(param.name)
        values[param.name] = param.default_for(ctx, values) if text is None else param.read(text, ctx, values)
    return values


def params_text(params: Sequence[Param], ctx: ViewContext, values: Values) -> dict[str, str]:
    """The settings that differ from their defaults as URL text (``read_params`` reads them back)."""
    out: dict[str, str] = {}
    seen: dict[str, Any] = {}
    for param in params:
        if param.name not in values or not param.is_read(seen):
            continue
        seen[param.name] = values[param.name]
        if values[param.name] != param.default_for(ctx, seen):
            out[param.name] = encode(values[param.name])
    return out
