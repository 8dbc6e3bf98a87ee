"""What an operator does to a running cluster: the ``resource`` and ``node`` levels' work.

Each command is split in two.  A pure part takes the CIB as an lxml tree and changes it the
way the tool crmsh would run for it changes it (``crm_resource``, ``crm_attribute``, crmsh's own
edits), ids and element order included, or names a change of the cluster's state that only the
engine can make (a cleanup, a fencing, a transient attribute): :class:`~.changes.Change`.  An
I/O part (:mod:`.target`) carries the change out on a CIB file or on the embedded engine.
"""
