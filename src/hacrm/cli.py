"""Command line entry point of ``crm``: argv -> one-shot command, batch run or interactive shell.

``crm`` alone opens the interactive shell on a terminal and reads commands from stdin
otherwise; ``crm LEVEL`` starts in that level; ``crm LEVEL CMD ARGS`` runs one command and
exits; ``-f FILE`` runs a script.  The options are crmsh's (``-F`` force, ``-w`` wait, ``-d``
debug, ``-R`` regression output, ``-c`` shadow CIB, ``-o section.name=value``), plus
``--node`` (the node name the prompt shows) and ``--backend`` (which kind of CIB to talk to).

This module imports almost nothing at load time: the time to the first prompt is mostly
Python's own start-up plus prompt_toolkit, and everything else loads when first used.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: crm [-h|--help] [OPTIONS] [SUBCOMMAND ARGS...]
or crm help SUBCOMMAND

Use crm without arguments for an interactive session.
Call a subcommand directly for a "single-shot" use.
Call crm with a level name as argument to start an interactive
session from that level.

options:
  -h, --help            show this help message and exit
  --version             show program's version number and exit
  -f FILE, --file FILE  load commands from FILE (- for stdin)
  -c CIB, --cib CIB     start the session using the given shadow CIB
  -D OUTPUT, --display OUTPUT
                        output type: plain, color-always, color or uppercase
  -F, --force           answer yes to every question (for scripts)
  -n, --no              answer no to every question
  -w, --wait            wait for the cluster to settle after each change
  -d, --debug           print debugging information (and tracebacks of bugs)
  -R, --regression-tests
                        crmsh's regression-test output (.INP: echo, line numbers)
  -o OPTION=VALUE, --opt OPTION=VALUE
                        set an option (section.name=value) for this run
  --node NAME           the node name to show in the prompt
  --backend NAME        where the CIB lives: file, embedded or pacemaker
"""

_WITH_VALUE = {"-f": "file", "--file": "file", "-c": "cib", "--cib": "cib",
               "-D": "display", "--display": "display", "-o": "opt", "--opt": "opt",
               "--node": "node", "--backend": "backend", "-H": "history",
               "--history": "history", "--scriptdir": "scriptdir", "-X": "profile"}
_FLAGS = {"-F": "force", "--force": "force", "-n": "ask_no", "--no": "ask_no",
          "-w": "wait", "--wait": "wait", "-d": "debug", "--debug": "debug",
          "-R": "regression", "--regression-tests": "regression"}


#: the top level's sub-levels, for the early prompt of ``crm LEVEL`` (a test keeps it equal to
#: the registry's list)
LEVELS = ("cib", "cibstatus", "cluster", "configure", "node", "options", "ra", "resource")


class UsageError(Exception):
    pass


class Arguments:
    """The parsed command line (a plain class: dataclasses cost start-up time here)."""

    def __init__(self) -> None:
        self.file: str | None = None
        self.cib: str | None = None
        self.display: str | None = None
        self.opt: list[str] = []
        self.node: str | None = None
        self.backend: str | None = None
        self.history: str | None = None
        self.scriptdir: str | None = None
        self.profile: str | None = None
        self.force = False
        self.ask_no = False
        self.wait = False
        self.debug = False
        self.regression = False
        self.version = False
        self.help = False
        self.words: list[str] = []


def parse_args(argv: list[str]) -> Arguments:
    """Options first (crmsh's, in any order), then the subcommand words untouched."""
    args = Arguments()
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            args.words = argv[i + 1:]
            return args
        if not word.startswith("-") or word == "-":
            args.words = argv[i:]
            return args
        name, eq, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in ("-h", "--help"):
            args.help = True
        elif name == "--version":
            args.version = True
        elif name in _FLAGS:
            setattr(args, _FLAGS[name], True)
        elif name in _WITH_VALUE or (len(word) > 2 and word[:2] in _WITH_VALUE):
            key = _WITH_VALUE.get(name) or _WITH_VALUE[word[:2]]
            if eq:
                value = inline
            elif name not in _WITH_VALUE:
                value = word[2:]
            else:
                i += 1
                if i >= len(argv):
                    raise UsageError(f"argument {name}: expected one argument")
                value = argv[i]
            if key == "opt":
                args.opt.append(value)
            else:
                setattr(args, key, value)
        elif len(word) > 2 and not word.startswith("--") and all(
                f"-{c}" in _FLAGS for c in word[1:]):
            for c in word[1:]:
                setattr(args, _FLAGS[f"-{c}"], True)
        else:
            raise UsageError(f"unrecognized arguments: {word}")
        i += 1
    return args


def _quote(words: list[str]) -> str:
    """Join argv back into a line, quoting words with blanks (crmsh's add-quotes)."""
    out = []
    for word in words:
        if " " in word or "\t" in word:
            quote = "'" if '"' in word else '"'
            if quote not in word:
                word = f"{quote}{word}{quote}"
        out.append(word)
    return " ".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run ``crm`` with ``argv`` (default: sys.argv[1:]) and return the exit code."""
    raw = sys.argv[1:] if argv is None else argv
    try:
        args = parse_args(raw)
    except UsageError as err:
        sys.stderr.write(USAGE.split("\n\n", 1)[0] + f"\ncrm: error: {err}\n")
        return 2
    if args.help:
        sys.stdout.write(USAGE)
        return 0
    if args.version:
        from hacrm import __version__

        print(f"crm {__version__}")
        return 0
    early = EarlyPrompt.show(args)
    try:
        return _run(args, early)
    except KeyboardInterrupt:
        early.release(clear=True)
        print("Ctrl-C, leaving")
        return 1
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 1
    finally:
        early.release(clear=True)


class EarlyPrompt:
    """The prompt, drawn before the shell has loaded.

    On a terminal the prompt is written as soon as the command line is parsed, with the
    terminal's echo switched off, so that what the user types meanwhile waits in the terminal
    and is handed to the line editor when it starts (which then redraws the same prompt in
    place).  If anything is printed before that, the line is cleared first.
    """

    def __init__(self, saved: list | None) -> None:
        self.saved = saved
        self.active = saved is not None

    @classmethod
    def show(cls, args: Arguments) -> EarlyPrompt:
        words = args.words
        if (args.file or args.regression or args.ask_no or args.cib or args.help
                or (words and (len(words) > 1 or words[0] not in LEVELS))
                or not (sys.stdin.isatty() and sys.stdout.isatty())
                or os.environ.get("TERM", "dumb") == "dumb"):
            return cls(None)
        try:
            import termios

            fd = sys.stdin.fileno()
            saved = termios.tcgetattr(fd)
            quiet = termios.tcgetattr(fd)
            quiet[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG)
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
        except (ImportError, OSError, ValueError):
            return cls(None)
        if os.environ.get("CIB_shadow"):
            label = os.environ["CIB_shadow"]
        elif os.environ.get("CIB_file"):
            label = os.path.basename(os.environ["CIB_file"])
        else:
            label = "live"
        node = args.node or os.uname().nodename
        sys.stdout.write(f"crm({label}/{node}){words[0] if words else ''}# ")
        sys.stdout.flush()
        return cls(saved)

    def release(self, *, clear: bool) -> None:
        """Give the terminal back as it was; ``clear`` erases the early prompt's line."""
        if self.saved is None:
            return
        import termios

        try:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self.saved)
        except (OSError, ValueError):
            pass
        sys.stdout.write("\r\x1b[K" if clear else "\r")
        sys.stdout.flush()
        self.saved = None


def _run(args: Arguments, early: EarlyPrompt | None = None) -> int:
    from hacrm.shell.dispatch import Context, Quit
    from hacrm.shell.output import Messages
    from hacrm.shell.preferences import PreferenceError, Preferences
    from hacrm.shell.session import Flags, Session

    interactive = sys.stdin.isatty() and not args.file and not args.ask_no
    prefs = Preferences.load()
    flags = Flags(force=args.force, wait=args.wait, debug=args.debug,
                  regression=args.regression, interactive=interactive, backend=args.backend)
    session = Session(flags=flags, prefs=prefs, messages=Messages(regression=args.regression))
    _record_run_options(session, args)
    for opt in args.opt:
        key, eq, value = opt.partition("=")
        section, dot, name = key.partition(".")
        try:
            if not eq or not dot:
                raise PreferenceError(f"Expected -o <section>.<name>=<value>: {opt}")
            prefs.set(section, name, value)
        except PreferenceError as err:
            session.messages.error(str(err))
            return 1
    session.messages.colour = session.colour
    if early is not None and early.active:
        session.messages.before_output = lambda: early.release(clear=True)
    if args.node:
        session.node = args.node
        session.flags.node_given = True
        # the cluster level hands its words to the engine's CLI, which finds the node here
        os.environ["HACRM_NODE"] = args.node
    ctx = Context(session)
    if args.cib and not ctx.run(f"cib use {args.cib}"):
        return 1
    try:
        if args.words:
            if len(args.words) == 1 and args.words[0].startswith("conf"):
                if not ctx.run("configure"):
                    return 1
            else:
                session.source, session.line = "<command line>", 1
                if not ctx.run(_quote(args.words)):
                    return 1
                if len(ctx.stack) == 1:
                    return 0
    except Quit as done:
        return done.code
    return _continue(ctx, args, interactive, early)


def _continue(ctx: object, args: Arguments, interactive: bool,
              early: EarlyPrompt | None = None) -> int:
    """After the command line: a script, the interactive shell, or commands from stdin."""
    from hacrm.shell.batch import run_batch
    from hacrm.shell.dispatch import Context

    assert isinstance(ctx, Context)
    if args.file and args.file != "-":
        try:
            # undecodable bytes become lone surrogates, refused (located) by the parser, as
            # on standard input
            with open(args.file, encoding="utf-8", errors="surrogateescape") as handle:
                lines = handle.read().splitlines()
        except OSError as err:
            ctx.session.messages.error(f"{args.file}: {err.strerror}")
            return 2
        return run_batch(ctx, lines, source=args.file)
    if interactive:
        from hacrm.shell.repl import run_repl

        return run_repl(ctx, before_first_prompt=early.release if early else None)
    return run_batch(ctx, sys.stdin, source="<stdin>")


def _record_run_options(session: object, args: Arguments) -> None:
    """crmsh writes the run's debug/force/wait/output settings into the user layer of its
    preferences (so ``options show`` lists them and ``options save`` keeps them); do the same
    with the values in force, so the two show the same preferences."""
    from hacrm.shell.session import Session

    assert isinstance(session, Session)
    prefs = session.prefs
    for name in ("debug", "force", "wait"):
        prefs.set_unchecked("core", name, "true" if prefs.flag(f"core.{name}") else "false")
    prefs.set_unchecked("color", "style", args.display or prefs.get("color.style") or "color")


if __name__ == "__main__":
    sys.exit(main())
