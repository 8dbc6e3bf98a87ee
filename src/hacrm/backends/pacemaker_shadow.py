"""The ``cib`` level's shadow CIBs on a Pacemaker cluster, made and committed by ``crm_shadow``.

A shadow CIB is ``shadow.NAME`` in the shadow directory (``CIB_shadow_dir``, else Pacemaker's
default), the same file whichever tool wrote it: :mod:`hacrm.shadow` reads and lists them; here
``crm_shadow`` creates, resets, deletes and commits them, so a shadow is exactly what Pacemaker
(and crmsh) would make, and committing one is Pacemaker's own upload of its configuration
section.  While a shadow is in use the tools are run with ``CIB_shadow=NAME``
(:meth:`~hacrm.backends.pacemaker.PacemakerBackend.for_shadow`).

``crm_shadow --commit`` only talks to a running cluster; on a ``CIB_file`` the configuration is
committed through the backend's own versioned patch instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hacrm.backends.base import BackendError
from hacrm.backends.pacemaker_tools import EXIT_NO_SUCH, ToolError, Tools
from hacrm.shadow import ShadowStore, check_name, shadow_dir

#: crm_shadow's exit code when the shadow exists and --force was not given
EXIT_EXISTS = 73


@dataclass
class PacemakerShadows:
    tools: Tools

    @property
    def store(self) -> ShadowStore:
        return ShadowStore(shadow_dir(dict(self.tools.env)))

    def _env(self) -> dict[str, str]:
        """crm_shadow refuses to work on the shadow it runs in; never run it inside one."""
        env = dict(self.tools.env)
        env.pop("CIB_shadow", None)
        return env

    def _run(self, args: list[str], context: str, ok: tuple[int, ...] = (0,)) -> str:
        return self.tools.run("crm_shadow", [*args, "--batch"], context=context, ok=ok,
                              env=self._env()).stdout

    def names(self) -> list[str]:
        return self.store.names()

    def exists(self, name: str) -> bool:
        return self.store.exists(name)

    def path(self, name: str) -> Path:
        return self.store.path(name)

    def create(self, name: str, *, empty: bool = False, force: bool = False) -> None:
        """A new shadow: a copy of the CIB in use (``--create``) or an empty one."""
        check_name(name)
        args = ["--create-empty" if empty else "--create", name]
        try:
            self._run(args + (["--force"] if force else []), f"creating shadow CIB {name}")
        except ToolError as err:
            if err.returncode == EXIT_EXISTS:
                raise BackendError(f"{name} shadow CIB already exists; use 'new {name} force' "
                                   "to overwrite it") from None
            raise

    def reset(self, name: str) -> None:
        """Make the shadow a fresh copy of the live CIB."""
        check_name(name)
        if not self.exists(name):
            raise BackendError(f"{name}: no such shadow CIB")
        self._run(["--reset", name, "--force"], f"resetting shadow CIB {name}")

    def delete(self, name: str) -> None:
        check_name(name)
        if not self.exists(name):
            raise BackendError(f"{name}: no such shadow CIB")
        self._run(["--delete", name, "--force"], f"deleting shadow CIB {name}")

    def commit(self, name: str) -> None:
        """Upload the shadow's configuration to the cluster (``crm_shadow --commit``)."""
        check_name(name)
        if not self.exists(name):
            raise BackendError(f"{name}: no such shadow CIB")
        if self.tools.env.get("CIB_file"):
            self._commit_to_file(name)
            return
        try:
            self._run(["--commit", name, "--force"], f"committing shadow CIB {name}")
        except ToolError as err:
            if err.returncode == EXIT_NO_SUCH:
                raise BackendError(f"{name}: no such shadow CIB") from None
            raise

    def _commit_to_file(self, name: str) -> None:
        from hacrm.backends.pacemaker import PacemakerBackend

        env = self._env()
        live = PacemakerBackend(Tools(env, self.tools.timeout))
        live.replace_configuration(self.store.read(name), live.version())

    def diff(self, name: str) -> str:
        """Pacemaker's summary of what the shadow changes against the live CIB."""
        check_name(name)
        env = self._env()
        env["CIB_shadow"] = name
        result = self.tools.run("crm_shadow", ["--diff"], context=f"comparing shadow CIB {name}",
                                ok=(0, 1), env=env)
        return result.stdout.rstrip("\n")
