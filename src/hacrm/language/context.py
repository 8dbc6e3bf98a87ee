"""The builder's view of the outside world: installed OCF providers, nodes, the schema.

This is the one place where building an element looks outside the text: ``primitive p Dummy``
names no provider, and crmsh fills in the provider of the installed agent (heartbeat first,
then pacemaker).  The agent directory is read once per process and cached on the instance.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from hacrm.cib.document import schema_at_least
from hacrm.records import field, record


def ocf_root() -> Path:
    """Where OCF agents live (``$OCF_ROOT``, default /usr/lib/ocf)."""
    return Path(os.environ.get("OCF_ROOT", "/usr/lib/ocf"))


@record
class SystemContext:
    """BuildContext backed by the local agent directory and the CIB being edited."""

    node_names_fn: Callable[[], list[str]] = lambda: []
    schema: str = "pacemaker-3.9"
    root: Path = field(default_factory=ocf_root)
    _providers: dict[str, list[str]] | None = None

    def _scan(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        base = self.root / "resource.d"
        try:
            providers = sorted(p for p in os.listdir(base) if (base / p).is_dir())
        except OSError:
            return found
        for provider in providers:
            try:
                agents = os.listdir(base / provider)
            except OSError:
                continue
            for agent in agents:
                found.setdefault(agent, []).append(provider)
        return found

    def ocf_providers(self, agent_type: str) -> list[str]:
        if self._providers is None:
            self._providers = self._scan()
        return sorted(self._providers.get(agent_type, []))

    def node_names(self) -> list[str]:
        return self.node_names_fn()

    def ocf_1_1(self) -> bool:
        return schema_at_least(self.schema, 3, 7)

    def acl_user_supported(self) -> bool:
        return not schema_at_least(self.schema, 2, 0)
