"""Soak runs only: a wall clock that can jump, for the processes of one sandbox node.

The soak starts each node's daemon with this directory on ``PYTHONPATH`` and
``HACRM_SOAK_CLOCK`` naming a file that holds an offset in seconds; the daemon's agents inherit
both.  Python imports ``sitecustomize`` at start-up, before any other module, so every later
``time.time()`` of these processes (and ``time_ns``, and ``localtime``/``gmtime``/``ctime``/
``strftime``/``asctime`` without an argument) is the real wall clock plus the offset, re-read
whenever the file changes.  ``CLOCK_MONOTONIC`` is left alone, exactly as when an
administrator or NTP steps a machine's clock.  ``datetime.now()`` is not shifted (a C type
cannot be patched); the engine takes its "now" from ``time.time()``.

Without ``HACRM_SOAK_CLOCK`` this module does nothing.  It must stay importable by any
Python 3 (agents run under the system interpreter).
"""

import os

_PATH = os.environ.get("HACRM_SOAK_CLOCK")


def _install(path):
    import time

    real_time = time.time
    real_time_ns = time.time_ns
    cache = {"mtime": None, "offset": 0.0}

    def offset():
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            return 0.0
        if mtime != cache["mtime"]:
            try:
                with open(path) as f:
                    cache["offset"] = float(f.read().strip() or 0)
            except (OSError, ValueError):
                return cache["offset"]      # being rewritten: keep the last offset
            cache["mtime"] = mtime
        return cache["offset"]

    def shifted_time():
        return real_time() + offset()

    def shifted_time_ns():
        return real_time_ns() + int(offset() * 1e9)

    class WithDefault:
        """A time function whose missing argument is the shifted clock.  An instance, not a
        function: ``logging`` keeps ``time.localtime`` as a class attribute, where a function
        would become a method."""

        def __init__(self, func, now):
            self.func, self.now = func, now
            self.__name__ = func.__name__
            self.__doc__ = func.__doc__

        def __call__(self, *args):
            if not args or args == (None,):
                return self.func(self.now())
            return self.func(*args)

    class StrfTime(WithDefault):
        def __call__(self, fmt, *args):
            return self.func(fmt, *(args or (self.now(),)))

    time.time = shifted_time
    time.time_ns = shifted_time_ns
    time.localtime = WithDefault(time.localtime, shifted_time)
    time.gmtime = WithDefault(time.gmtime, shifted_time)
    time.ctime = WithDefault(time.ctime, shifted_time)
    time.asctime = WithDefault(time.asctime, time.localtime)
    time.strftime = StrfTime(time.strftime, time.localtime)


if _PATH:
    _install(_PATH)
