"""``property maintenance-mode=...`` takes over from the elements' own maintenance settings.

With the cluster-wide switch set, a resource's or node's own ``maintenance`` attribute (and an
``is-managed`` that contradicts it) only confuses whoever reads the configuration later, so
crmsh offers to remove them, one question each.  This is that edit, on the model: the same
elements in the same order (primitives, then groups, then clones, then nodes; resources a
``cli-prefer`` location sends to an unknown node are left alone, as crmsh leaves them), the
same questions; whoever calls it decides how they are answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hacrm.cib import model as m


def _resources(editor: Any) -> list[Any]:
    nodes = {n.uname for n in editor.cfg.nodes if isinstance(n, m.Node)} | \
        {n.id for n in editor.cfg.nodes if isinstance(n, m.Node)}
    elsewhere = {c.id.removeprefix("cli-prefer-") for c in editor.objects()
                 if isinstance(c, m.Location) and c.node not in nodes}

    def counted(o: Any) -> bool:
        if isinstance(o, m.Primitive):
            return not o.is_template
        return isinstance(o, m.Group) or (isinstance(o, m.Clone) and o.tag == "clone")

    everything = list(editor.objects())
    return [o for kind in (m.Primitive, m.Group, m.Clone) for o in everything
            if isinstance(o, kind) and counted(o) and o.id not in elsewhere]


def release_maintenance(editor: Any, ask: Callable[[str], bool]) -> None:
    """Remove the ``maintenance`` and contradicting ``is-managed`` settings of resources
    (meta attributes) and nodes (instance attributes) that ``ask`` agrees to."""
    targets = [(o, "meta_attributes", o.id) for o in _resources(editor)] + \
        [(n, "instance_attributes", n.uname) for n in editor.objects() if isinstance(n, m.Node)]
    for obj, tag, name in targets:
        questions = (("maintenance", f"'maintenance' attribute already exists in {name}. "
                                     f"Remove it?"),
                     ("is-managed", f"'is-managed' conflicts with 'maintenance' in {name}. "
                                    f"Remove it?"))
        sets = [s for s in obj.sets if isinstance(s, m.AttrSet) and s.tag == tag]
        changed = False
        for attr_set in sets:
            for attr, question in questions:
                nv = next((i for i in attr_set.items if isinstance(i, m.NvPair)
                           and i.name == attr), None)
                if nv is not None and ask(question):
                    attr_set.items.remove(nv)
                    changed = True
        if changed:
            holder = obj.children if isinstance(obj, m.Primitive) else obj.sets
            for attr_set in sets:
                if not attr_set.items:  # a set left empty goes too
                    holder.remove(attr_set)
            editor._touch(obj)
