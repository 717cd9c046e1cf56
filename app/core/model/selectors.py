"""Label selectors as `?labelSelector=` carries them (k8s.io/apimachinery/pkg/labels).

Supported: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


class SelectorError(ValueError):
    """Answered with 400 BadRequest, as the API server does for an unparsable selector."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("=", "in"):
            return present and value in self.values
        if self.operator in ("!=", "notin"):
            return not present or value not in self.values
        if self.operator == "exists":
            return present
        return not present


_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s*\(([^)]*)\)\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*$")


def _split(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def parse(text: str) -> tuple[Requirement, ...]:
    if not text.strip():
        return ()
    requirements = []
    for part in _split(text):
        if match := _SET.match(part):
            if match.group(1):
                raise SelectorError(f"unable to parse requirement: {part.strip()}")
            values = tuple(v.strip() for v in match.group(4).split(",") if v.strip())
            requirements.append(Requirement(match.group(2), match.group(3), values))
        elif match := _EQ.match(part):
            op = "=" if match.group(2) in ("=", "==") else "!="
            requirements.append(Requirement(match.group(1), op, (match.group(3),)))
        elif match := _EXISTS.match(part):
            op = "!" if match.group(1) else "exists"
            requirements.append(Requirement(match.group(2), op))
        else:
            raise SelectorError(
                f"unable to parse requirement: found '{part.strip()}', expected: "
                "identifier, '!', 'in', 'notin', '=', '==', '!='"
            )
    return tuple(requirements)


def matches(requirements: tuple[Requirement, ...], labels: Mapping[str, str]) -> bool:
    return all(r.matches(labels) for r in requirements)
