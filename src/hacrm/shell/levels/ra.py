"""The ``ra`` level: which resource agents exist here, and what they take."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from hacrm.ra.metadata import AgentError
from hacrm.shell.commands import CommandError, command
from hacrm.shell.levels.base import BaseLevel

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context


def _classes(ctx: Context, words: list[str]) -> list[str]:
    directory = ctx.session.agents().directory
    if len(words) <= 2:
        return directory.classes()
    return directory.providers_all(words[1])


def _agents(ctx: Context, words: list[str]) -> list[str]:
    from hacrm.shell.completer import agent_candidates

    return agent_candidates(ctx.session, words[-1] if words else "")


def multicolumn(words: list[str], width: int = 80) -> str:
    """Words in as many equal columns as fit, filled row by row (crmsh's listing layout)."""
    if not words:
        return "\n"
    longest = max(8, max(len(w) for w in words))
    cols = max(1, width // (longest + 2))
    cell = width // cols
    rows = []
    for start in range(0, len(words) // cols * cols + cols, cols):
        chunk = words[start:start + cols]
        if not chunk:
            continue
        line = ""
        for j, word in enumerate(chunk, start=start):
            line += word if (j + 1) % cols == 0 else f"{word:<{cell}}"
        rows.append(line)
    return "\n".join(rows) + "\n"


class RaLevel(BaseLevel):
    """Resource Agents (RA) lists and documentation."""

    name = "ra"

    @command(help="List classes and providers")
    def do_classes(self, ctx: Context) -> bool:
        directory = self.session.agents().directory
        out = []
        for cls in directory.classes():
            providers = directory.providers_all(cls)
            if cls == "ocf":
                if providers:
                    out.append(f"{cls} / {' '.join(providers)}")
            else:
                out.append(cls)
        self.session.messages.write("".join(line + "\n" for line in out))
        return True

    @command(help="Show providers for a RA and a class")
    def do_providers(self, ctx: Context, agent_type: str, agent_class: str = "ocf") -> bool:
        directory = self.session.agents().directory
        if agent_class != "ocf":
            raise CommandError(f"no providers for class {agent_class}")
        self.session.messages.line(" ".join(directory.providers(agent_type, agent_class)))
        return True

    @command(help="List RA for a class (and provider)", complete=_classes)
    def do_list(self, ctx: Context, agent_class: str, provider: str = "") -> bool:
        directory = self.session.agents().directory
        if agent_class not in directory.classes():
            raise CommandError(f"class {agent_class} does not exist")
        if provider and provider not in directory.providers_all(agent_class):
            raise CommandError(f"there is no provider {provider} for class {agent_class}")
        types = directory.types(agent_class, provider or None)
        if self.session.flags.regression:
            self.session.messages.write("".join(t + "\n" for t in types))
        else:
            import shutil

            width = 80
            if self.session.flags.interactive:
                width = shutil.get_terminal_size((80, 24)).columns
            self.session.messages.write(multicolumn(types, width))
        return True

    @command(old_names=("meta",), help="Show meta data for a RA", complete=_agents)
    def do_info(self, ctx: Context, *args: str) -> bool:
        from hacrm.ra.render import info_text

        if not args:
            raise CommandError("Expected [<class>:[<provider>:]]<type>")
        cache = self.session.agents()
        directory = cache.directory
        if len(args) > 1:  # the old "info TYPE CLASS [PROVIDER]" form
            spec = ":".join([args[1], args[2] if len(args) > 2 else "heartbeat", args[0]])
        else:
            spec = args[0]
        agent = directory.parse(spec)
        try:
            meta = cache.get(agent)
        except AgentError as err:
            self.session.messages.error(str(err))
            return False
        self.session.page(info_text(meta, agent.type))
        return True

    @command(help="Validate parameters for RA", complete=_agents)
    def do_validate(self, ctx: Context, agent_name: str, *params: str) -> bool:
        directory = self.session.agents().directory
        agent = directory.parse(agent_name)
        path = directory.path(agent)
        if path is None or agent.cls != "ocf":
            raise CommandError(f"{agent}: only installed OCF agents can be validated")
        from hacrm.ra.metadata import AGENT_TIMEOUT, _ocf_env

        env = _ocf_env(directory, agent)
        env["__OCF_ACTION"] = "validate-all"
        for param in params:
            key, sep, value = param.partition("=")
            if not sep:
                raise CommandError(f"expected name=value, got {param!r}")
            env[f"OCF_RESKEY_{key}"] = value
        try:
            proc = subprocess.run([str(path), "validate-all"], env=env, capture_output=True,
                                  text=True, timeout=AGENT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise CommandError(f"{agent}: validate-all timed out") from None
        output = (proc.stdout + proc.stderr).strip()
        if output:
            self.session.messages.line(output)
        return proc.returncode == 0
