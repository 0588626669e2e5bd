"""Jurisdiction policies as data (``policies/<CODE>.toml``, each citing its sources): what a
channel may pay on a sale."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

POLICY_DIR = Path(__file__).with_name("policies")
# The charter's rule 5: no policy may allow more than this, whatever its file says.
CHARTER_MAX_TOTAL_RATE = Decimal("0.30")


@dataclass(frozen=True)
class Policy:
    code: str
    name: str
    team_pay: bool  # may the seller's direct sponsor receive an override?
    max_total_rate: Decimal
    max_override_rate: Decimal
    sources: tuple[str, ...]


@functools.cache
def policies() -> dict[str, Policy]:
    found = {}
    for path in sorted(POLICY_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        policy = Policy(
            code=data["code"],
            name=data["name"],
            team_pay=bool(data["team_pay"]),
            max_total_rate=min(Decimal(data["max_total_rate"]), CHARTER_MAX_TOTAL_RATE),
            max_override_rate=Decimal(data["max_override_rate"])
            if data["team_pay"]
            else Decimal(0),
            sources=tuple(data["sources"]),
        )
        found[policy.code] = policy
    return found


def policy_for(code: str) -> Policy:
    return policies()[code]


POLICY_CHOICES = [("CN", "CN"), ("US", "US"), ("EU", "EU")]
