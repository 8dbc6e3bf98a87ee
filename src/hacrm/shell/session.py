"""The state of one ``crm`` run, passed to every level and command.

Everything a command may need — the flags from the command line, the user's preferences, where
the CIB lives (live, a shadow, a file), the configure session's working copy, the message
printer, how to ask the user a question — lives on one :class:`Session` object that is handed
down, so no module keeps state of its own and tests can build as many sessions as they like.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hacrm.records import field, record
from hacrm.shell.output import Messages
from hacrm.shell.preferences import Preferences

if TYPE_CHECKING:
    from hacrm.backends.base import Backend
    from hacrm.cib.statuswork import StatusWorkspace
    from hacrm.cib.workcopy import WorkingCopy
    from hacrm.ra.metadata import MetadataCache
    from hacrm.shadow import ShadowStore


class NoBackend(Exception):
    """There is no CIB to talk to (no cluster, no ``CIB_file``); the message says what to do."""


@record
class Flags:
    """Command-line switches that change how the whole run behaves."""

    force: bool = False
    wait: bool = False
    debug: bool = False
    regression: bool = False
    #: a person can answer questions (stdin is a terminal and no -f was given)
    interactive: bool = False
    backend: str | None = None
    #: the node was named on the command line (``--node``), not guessed from the host name
    node_given: bool = False


@record
class Session:
    """One run of the shell."""

    flags: Flags = field(default_factory=Flags)
    prefs: Preferences = field(default_factory=Preferences)
    messages: Messages = field(default_factory=Messages)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    node: str = field(default_factory=lambda: os.uname().nodename)
    #: name of the shadow CIB in use, None for the live CIB
    shadow: str | None = None
    #: the shadow in use was made by ``cib new`` without a name and goes away after commit
    temporary_shadow: bool = False
    #: where the current input comes from, for diagnostics (``<stdin>``, a file name)
    source: str = "<stdin>"
    #: first physical line of the command being run (diagnostics point there)
    line: int = 1
    #: how to ask the user a yes/no question on a terminal (the REPL replaces it)
    prompt_yes_no: Callable[[str], bool] | None = None
    #: highlighting colours chosen with ``options colorscheme`` for this session
    scheme: dict[str, str] = field(default_factory=dict)
    _workcopy: WorkingCopy | None = None
    #: the ``cibstatus`` level's copy of a CIB whose status is being edited (once used)
    cibstatus: StatusWorkspace | None = None
    #: the backend kind decided for this session (see :meth:`backend_kind`)
    _kind: str | None = None
    _agents: MetadataCache | None = None

    def __post_init__(self) -> None:
        if self.shadow is None and self.env.get("CIB_shadow"):
            self.shadow = self.env["CIB_shadow"]

    # ------------------------------------------------------------------ where the CIB is
    def shadows(self) -> ShadowStore:
        from hacrm.shadow import ShadowStore, shadow_dir

        return ShadowStore(shadow_dir(self.env))

    @property
    def cib_file(self) -> str | None:
        return self.env.get("CIB_file") or None

    def cib_label(self) -> str:
        """What the prompt shows: the shadow's name, the CIB file's name, or ``live``."""
        if self.shadow:
            return self.shadow
        if self.cib_file:
            return Path(self.cib_file).name
        return "live"

    def live_backend(self) -> Backend:
        """The CIB the cluster runs on: ``CIB_file`` when set (as Pacemaker's tools read
        it), else the backend ``--backend`` names, else the local embedded engine."""
        choice = self.flags.backend
        if choice is None and not self.cib_file and self.backend_kind() == "pacemaker":
            choice = "pacemaker"
        if choice not in (None, "file", "embedded", "pacemaker"):
            raise NoBackend(f"unknown backend {choice!r} (file, embedded or pacemaker)")
        if self.cib_file and choice in (None, "file"):
            from hacrm.backends.file import FileBackend

            return FileBackend(Path(self.cib_file))
        if choice == "file":
            raise NoBackend("the file backend needs CIB_file=<path to a CIB XML file>")
        module_name = "pacemaker" if choice == "pacemaker" else "embedded"
        try:
            import importlib

            module = importlib.import_module(f"hacrm.backends.{module_name}")
        except ImportError:
            module = None
        if module is not None and hasattr(module, "connect"):
            try:
                backend = module.connect(self.node if self.flags.node_given else None, None,
                                         env=self._live_env())
            except Exception as err:  # noqa: BLE001 - the backend says why in its own words
                backend = self._pacemaker_instead() if choice is None else None
                if backend is None:
                    raise NoBackend(f"cannot reach the {module_name} cluster: {err}") from None
                self._kind = "pacemaker"  # shadows and agents follow from now on
            if getattr(backend, "node", None) and not self.flags.node_given:
                self.node = backend.node  # the prompt shows the node the shell talks to
            return backend
        if choice == "pacemaker":
            raise NoBackend("the pacemaker backend is not part of this build yet")
        raise NoBackend("no cluster is running on this node; set CIB_file=<file> to work on "
                        "a CIB file, or use a shadow CIB (cib new)")

    def backend_kind(self) -> str:
        """Which backend the live CIB is on, decided without connecting: ``--backend``, else
        ``file`` with ``CIB_file``, ``embedded`` with a sandbox or a local daemon's socket,
        ``pacemaker`` when a Pacemaker cluster listens here, else ``embedded`` (whose
        connection then says why there is no cluster).  Decided once per session, so that
        an auto-detected Pacemaker cluster gets exactly what ``--backend pacemaker`` gets."""
        if self.flags.backend:
            return self.flags.backend
        if self._kind is None:
            if self.cib_file:
                self._kind = "file"
            elif self.env.get("HACRM_SANDBOX") or self._embedded_socket():
                self._kind = "embedded"
            else:
                from hacrm.backends import pacemaker

                self._kind = "pacemaker" if pacemaker.detect(self._live_env()) is None \
                    else "embedded"
        return self._kind

    def _embedded_socket(self) -> bool:
        from hacrm.engine.paths import Layout

        try:
            return Layout.from_env(env=self.env).socket.exists()
        except (OSError, ValueError):
            return False

    def _live_env(self) -> dict[str, str]:
        """The environment for reaching the live CIB: without ``CIB_shadow``, which the
        session sets for the tools while a shadow is in use (Pacemaker's tools would read the
        shadow instead of the cluster)."""
        return {k: v for k, v in self.env.items() if k != "CIB_shadow"}

    def _pacemaker_instead(self) -> Backend | None:
        """No embedded engine answers and no backend was named: a running Pacemaker cluster,
        when there is one here (and no sandbox was chosen)."""
        if self.env.get("HACRM_SANDBOX"):
            return None
        from hacrm.backends import pacemaker

        env = self._live_env()
        if pacemaker.detect(env) is not None:
            return None
        try:
            return pacemaker.connect(self.node if self.flags.node_given else None, None,
                                     env=env)
        except Exception:  # noqa: BLE001 - then there is no cluster to talk to
            return None

    def backend(self) -> Backend:
        """The CIB commands work on: the shadow in use, else the live one."""
        if self.shadow and self.backend_kind() == "pacemaker":
            from hacrm.backends.pacemaker import PacemakerBackend
            from hacrm.backends.pacemaker_tools import Tools

            return PacemakerBackend(Tools(self.env)).for_shadow(self.shadow)
        if self.shadow:
            from hacrm.backends.file import FileBackend

            return FileBackend(self.shadows().path(self.shadow))
        return self.live_backend()

    def use_shadow(self, name: str | None, *, temporary: bool = False) -> None:
        """Switch to a shadow CIB (None: back to the live CIB); drops the working copy."""
        self.shadow = name or None
        self.temporary_shadow = temporary if name else False
        if name:
            self.env["CIB_shadow"] = name
        else:
            self.env.pop("CIB_shadow", None)
        self._workcopy = None

    # ------------------------------------------------------------------ configure session
    def working_copy(self) -> WorkingCopy:
        """The configure session's working copy, read from the backend on first use."""
        if self._workcopy is None:
            from hacrm.cib.workcopy import WorkingCopy

            obscure = tuple(p.strip() for p in self.prefs.get("core.obscure_pattern").split("|")
                            if p.strip())
            self._workcopy = WorkingCopy(
                self.backend(), force=self.force,
                obscure=obscure, sort_elements=self.prefs.flag("core.sort_elements"),
            )
        return self._workcopy

    def has_working_copy(self) -> bool:
        return self._workcopy is not None

    def drop_working_copy(self) -> None:
        self._workcopy = None

    # ------------------------------------------------------------------ agents
    def agents(self) -> MetadataCache:
        """Installed agents and their meta-data (cached for the session and on disk)."""
        if self._agents is None and self.backend_kind() == "pacemaker":
            from hacrm.backends.pacemaker_ra import PacemakerAgents
            from hacrm.backends.pacemaker_tools import Tools

            self._agents = PacemakerAgents(tools=Tools(self.env))
        if self._agents is None:
            from hacrm.ra.discovery import AgentDirectory
            from hacrm.ra.metadata import MetadataCache

            root = self.env.get("OCF_ROOT") or self.prefs.get("path.ocf_root") or "/usr/lib/ocf"
            # the embedded engine also runs hacrm's own agents; a CIB file is Pacemaker's view
            directory = (AgentDirectory.system(Path(root)) if self.backend_kind() == "file"
                         else AgentDirectory(ocf_root=Path(root)))
            self._agents = MetadataCache(directory)
        return self._agents

    def wait_for_cluster(self, timeout: float = 120.0, *, force: bool = False,
                         what: str = "") -> bool:
        """``-w``: after a change, wait until the cluster has carried it out (``force``: wait
        whatever the flags say, as ``resource restart`` does between its two halves).

        A CIB file has nothing to wait for; the embedded engine is asked through
        :mod:`hacrm.operations.settle`, with a progress display on a terminal."""
        if not (force or self.flags.wait or self.prefs.flag("core.wait")):
            return True
        try:
            backend = self.backend()
        except NoBackend:
            return True
        from hacrm.operations.settle import wait_settled

        return wait_settled(self, backend, timeout, what)

    # ------------------------------------------------------------------ the user
    @property
    def force(self) -> bool:
        return self.flags.force or self.prefs.flag("core.force")

    def ask(self, question: str) -> bool:
        """A yes/no question: yes when forced, no when nobody can answer."""
        if self.force:
            self.messages.info(f"{question} [YES]")
            return True
        if not self.flags.interactive:
            return False
        if self.prompt_yes_no is not None:
            return self.prompt_yes_no(question)
        while True:
            try:
                answer = input(question.removesuffix("?") + " (y/n)? ").strip().lower()
            except EOFError:
                return False
            if answer[:1] in ("y", "n"):
                return answer.startswith("y")

    def page(self, text: str) -> None:
        """Show long output through the pager on a terminal; print it otherwise (with a newline
        added, as crmsh's pager function does: a text that already ends in one gets a blank
        line after it)."""
        if not text:
            return
        text += "\n"
        if self.flags.interactive and not self.flags.regression and sys.stdout.isatty():
            import shutil
            import subprocess

            rows = shutil.get_terminal_size((80, 24)).lines
            pager = self.prefs.get("core.pager")
            if text.count("\n") >= rows - 1 and pager:
                try:
                    subprocess.run(pager, shell=True, input=text, text=True, check=False)
                    return
                except OSError:
                    pass
        self.messages.write(text)

    def colours(self) -> dict[str, str]:
        """Highlighting colours: the ``color.*`` preferences, then the session's scheme."""
        from hacrm.shell.highlight import DEFAULT_SCHEME

        saved = {slot: self.prefs.get(f"color.{slot}") for slot in DEFAULT_SCHEME}
        return {**{k: v for k, v in saved.items() if v}, **self.scheme}

    @property
    def colour(self) -> bool:
        """Colour output: on a terminal when ``output`` says color, always with color-always."""
        style = self.prefs.get("color.style")
        if "color-always" in style:
            return True
        return "color" in style.split(",") and not self.flags.regression and sys.stdout.isatty()
