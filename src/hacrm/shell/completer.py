"""Completion, second half: which names exist for each kind, as prompt_toolkit completions.

:mod:`hacrm.shell.complete` says what fits ("a resource id", "a parameter of IPaddr2"); this
module answers with the names: ids and node names from a snapshot of the configuration, agents
and their parameters from the agent cache, Pacemaker's option names from
:mod:`hacrm.ra.pacemaker_options`, each with a one-line description shown beside it.

The snapshot of ids is rebuilt off the typing path (after each command, in a thread), the way
pgcli refreshes its completer; the REPL reads the current one through a ``DynamicCompleter``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from hacrm.shell.complete import Kind, suggest

if TYPE_CHECKING:
    from hacrm.shell.dispatch import Context
    from hacrm.shell.session import Session

NODE_ATTRIBUTES = ("#uname", "#id", "#kind", "#is_dc", "#cluster-name", "#site-name",
                   "#role", "#ra-version")
_RESOURCE_KINDS = ("primitive", "group", "clone", "ms", "bundle")


@dataclass
class Names:
    """A snapshot of the names in the configuration, for completion."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    stonith: list[str] = field(default_factory=list)

    def of(self, kind: str | None) -> list[str]:
        if kind is None:
            return sorted({i for ids in self.ids.values() for i in ids})
        return list(self.ids.get(kind, []))

    @property
    def resources(self) -> list[str]:
        return sorted({i for k in _RESOURCE_KINDS for i in self.ids.get(k, [])})

    @property
    def nodes(self) -> list[str]:
        return list(self.ids.get("node", []))


def snapshot(session: Session) -> Names:
    """Names of the working copy (read from the CIB when there is none yet)."""
    from hacrm.cib.workcopy import WorkingCopy

    try:
        wc = session.working_copy() if session.has_working_copy() else WorkingCopy(
            session.backend())
    except Exception:  # noqa: BLE001 - no CIB reachable: nothing to offer
        return Names()
    names = Names()
    from hacrm.cib.edit import kind_of

    for obj in wc.editor.objects():
        kind = kind_of(obj)
        ident = getattr(obj, "uname", None) if kind == "node" else getattr(obj, "id", None)
        if ident:
            names.ids.setdefault(kind, []).append(ident)
        if kind == "primitive" and getattr(obj, "cls", None) == "stonith":
            names.stonith.append(obj.id)
    return names


def session_ids(session: Session) -> list[str]:
    """Every element id of the configuration (for show/delete/edit arguments)."""
    return snapshot(session).of(None)


def agent_candidates(session: Session, word: str) -> list[str]:
    """Agents for the word typed so far, one step at a time (class:, provider:, type)."""
    directory = session.agents().directory
    classes = directory.classes()
    parts = word.split(":")
    if len(parts) == 1:
        types = directory.types("ocf") if "ocf" in classes else []
        return [f"{c}:" for c in classes] + types
    if parts[0] == "ocf":
        if len(parts) == 2:
            return [f"ocf:{p}:" for p in directory.providers_all()]
        return [f"ocf:{parts[1]}:{t}" for t in directory.types("ocf", parts[1])]
    if parts[0] in classes:
        return [f"{parts[0]}:{t}" for t in directory.types(parts[0])]
    return []


class CrmCompleter(Completer):
    """Completions for a command line typed at the context's current level."""

    def __init__(self, ctx: Context, names: Names | None = None) -> None:
        self.ctx = ctx
        self.names = names if names is not None else Names()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ refreshing
    def refresh(self) -> None:
        """Rebuild the name snapshot (call it off the typing path)."""
        names = snapshot(self.ctx.session)
        with self._lock:
            self.names = names

    def refresh_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.refresh, name="crm-complete-refresh",
                                  daemon=True)
        thread.start()
        return thread

    # ------------------------------------------------------------------ prompt_toolkit
    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        level = type(self.ctx.current)
        root = type(self.ctx.stack[0])
        suggestion = suggest(text, level, root)
        word = suggestion.word
        seen: set[str] = set()
        for kind in suggestion.kinds:
            for value, meta in self._candidates(kind, word, list(suggestion.words)):
                if value in seen or not value.startswith(word):
                    continue
                seen.add(value)
                yield Completion(value, start_position=-len(word), display_meta=meta or None)

    def completions(self, text: str) -> list[str]:
        """The completion texts for ``text`` (the cursor at its end); handy in tests."""
        doc = Document(text, len(text))
        return [c.text for c in self.get_completions(doc, CompleteEvent(completion_requested=True))]

    # ------------------------------------------------------------------ providers
    def _candidates(self, kind: Kind, word: str,
                    words: list[str]) -> Iterable[tuple[str, str]]:
        session = self.ctx.session
        name = kind.name
        if name == "command" and kind.level is not None:
            infos = kind.level.visible()
            if kind.words == ("levels",):
                infos = [i for i in infos if i.is_level]
            return [(i.name, i.summary) for i in infos if not i.name.startswith("_")]
        if name == "keyword":
            return [(w, "") for w in kind.words]
        if name == "args" and kind.info is not None:
            if kind.info.completer is None:
                return []
            return [(w, "") for w in kind.info.completer(self.ctx, words + [word])]
        if name == "agent":
            return [(a, "") for a in agent_candidates(session, word)]
        if name == "param":
            return self._params(kind.arg or "")
        if name == "meta":
            from hacrm.ra.pacemaker_options import RESOURCE_META

            return [(f"{o.name}=", o.summary) for o in RESOURCE_META]
        if name == "property":
            from hacrm.ra.pacemaker_options import CLUSTER_PROPERTIES

            return [(f"{o.name}=", o.summary) for o in CLUSTER_PROPERTIES]
        if name == "op-name":
            from hacrm.ra.pacemaker_options import OP_NAMES

            return [(o, "") for o in OP_NAMES]
        if name == "op-attr":
            from hacrm.ra.pacemaker_options import OP_ATTRIBUTES

            return [(f"{o.name}=", o.summary) for o in OP_ATTRIBUTES]
        if name == "score":
            return [(w, "") for w in kind.words]
        if name == "resource":
            with self._lock:
                names = self.names
            if kind.arg == "stonith":
                pool = names.stonith
            elif kind.arg == "primitive":
                pool = names.of("primitive")
            else:
                pool = names.resources
            return [(r, "") for r in pool]
        if name == "node":
            with self._lock:
                return [(n, "node") for n in self.names.nodes]
        if name == "id":
            with self._lock:
                return [(i, kind.arg or "") for i in self.names.of(kind.arg)]
        if name in ("role", "action") and ":" in word:
            from hacrm.ra.pacemaker_options import ROLES

            rsc = word.split(":", 1)[0]
            values = ROLES if name == "role" else ("start", "stop", "promote", "demote")
            return [(f"{rsc}:{v}", name) for v in values]
        if name == "attribute":
            return [(a, "node attribute") for a in NODE_ATTRIBUTES]
        if name == "value":
            return self._values(kind, word)
        if name == "file":
            return [(p, "") for p in file_candidates(word)]
        return []

    def _params(self, agent: str) -> list[tuple[str, str]]:
        from hacrm.ra.metadata import AgentError

        try:
            meta = self.ctx.session.agents().get(agent)
        except (AgentError, OSError):
            return []
        return [(f"{p.name}=", ("required; " if p.required else "") + p.shortdesc)
                for p in meta.parameters]

    def _values(self, kind: Kind, word: str) -> list[tuple[str, str]]:
        from hacrm.ra.pacemaker_options import CLUSTER_PROPERTIES, OP_ATTRIBUTES, RESOURCE_META

        param = kind.arg or ""
        element, section, agent = (list(kind.words) + ["", "", ""])[:3]
        choices: tuple[str, ...] | list[str] = ()
        if element == "property":
            table = CLUSTER_PROPERTIES
        elif section in ("op", "op_meta") or element == "op_defaults":
            table = OP_ATTRIBUTES
        elif section == "meta" or element == "rsc_defaults":
            table = RESOURCE_META
        else:
            table = ()
            if agent:
                from hacrm.ra.metadata import AgentError

                try:
                    found = self.ctx.session.agents().get(agent).parameter(param)
                except (AgentError, OSError):
                    found = None
                if found is not None:
                    choices = found.choices or (("true", "false") if found.type == "boolean"
                                                else ())
        for option in table:
            if option.name == param:
                choices = option.choices or (("true", "false") if option.type == "boolean"
                                             else ())
        return [(f"{param}={c}", "") for c in choices]


def file_candidates(word: str) -> list[str]:
    """File and directory names for a path being typed (directories end with a slash)."""
    directory, _, prefix = word.rpartition("/")
    base = os.path.expanduser(directory or ".") if directory or not word.startswith("/") else "/"
    if word.startswith("/") and not directory:
        base = "/"
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    out = []
    for entry in entries:
        if not entry.startswith(prefix) or (entry.startswith(".") and not prefix):
            continue
        full = os.path.join(base, entry)
        shown = f"{directory}/{entry}" if directory or word.startswith("/") else entry
        if word.startswith("/") and not directory:
            shown = f"/{entry}"
        out.append(shown + ("/" if os.path.isdir(full) else ""))
    return out
