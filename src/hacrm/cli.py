"""Command line entry point of ``crm``: argv -> batch run or interactive shell."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run ``crm`` with ``argv`` (default: sys.argv[1:]) and return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-v"]):
        from hacrm import __version__

        print(f"hacrm {__version__}")
        return 0
    print("crm: not implemented yet", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
