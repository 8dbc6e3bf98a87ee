"""Resource agents: which exist on this node, and what their meta-data says.

Discovery reads the file system the way Pacemaker's executor does (OCF agents under
``$OCF_ROOT/resource.d/PROVIDER``, LSB init scripts, fence agents); meta-data comes from running
the agent's own ``meta-data`` action (or, for LSB scripts, from their init-info header) and is
cached by the agent file's path and modification time.  The shell's ``ra`` level and its
completion use this package, and the embedded engine's executor runs the same agents.
"""
