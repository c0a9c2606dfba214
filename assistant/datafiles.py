"""YAML data files under ``prompts/`` read into validated pydantic models.

The theme taxonomy, the finding cue lexicon, the playbook and the workshop
prompts are all data a council can edit. Each is parsed the same way: a clear
error naming the file and the field when it is malformed, and a cache that is
dropped when the file changes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class DataFileError(ValueError):
    """A data file that is missing or malformed; the message names the file and what is wrong."""


#: libyaml's safe loader when PyYAML has it (about 10x faster at start-up), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def describe(err: ValidationError) -> str:
    """One line per problem: ``  - themes.0.id: message``."""
    return "\n".join(f"  - {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in err.errors())


def check_patterns(patterns: list[str] | str) -> None:
    """For a field validator: a ``ValueError`` naming the first of ``patterns`` that is not a valid regular
    expression (one pattern or a list of them)."""
    for i, p in enumerate([patterns] if isinstance(patterns, str) else patterns):
        try:
            re.compile(p)
        except re.error as err:
            raise ValueError(f"pattern {i + 1} {p!r} is not a valid regular expression: {err}") from None


def parse_yaml(
    text: str,
    model: type[M],
    source: Path | str,
    error: type[DataFileError] = DataFileError,
    extra: dict[str, Any] | None = None,
) -> M:
    """Validate YAML text as ``model``; ``error`` names ``source`` and the problem."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise error(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise error(f"{source}: must hold a mapping, got {type(data).__name__}")
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as exc:
        raise error(f"{source}: malformed:\n{describe(exc)}") from None


def load_yaml(
    path: Path, model: type[M], error: type[DataFileError] = DataFileError, extra: dict[str, Any] | None = None
) -> M:
    """``parse_yaml`` of a file, cached until the file changes."""
    if not path.is_file():
        raise error(f"{path}: not found")
    key = tuple(sorted((extra or {}).items(), key=lambda kv: kv[0]))
    # An exception class is hashable, but typeshed's ``Hashable`` check trips on ``Exception.__hash__``.
    return _cached(path.resolve(), path.stat().st_mtime_ns, model, cast(Any, error), key)


@lru_cache(maxsize=32)
def _cached(path: Path, _mtime: int, model: type[M], error: type[DataFileError], extra: tuple) -> M:
    return parse_yaml(path.read_text(encoding="utf-8"), model, path, error, dict(extra))


def clear_cache() -> None:
    """Forget every loaded data file (benchmarks use it to time a cold start)."""
    _cached.cache_clear()
