"""Who may do what on the local API: the door check and the CIB ACLs, per request.

The socket lets in root, the daemon's own user and members of the ``haclient`` group
(:mod:`hacrm.engine.localapi` checks the peer credentials).  Past the door:

* stopping the node, injecting faults, sending application messages and fencing need a
  privileged caller (root or the daemon's user), as Pacemaker's daemons require;
* with ``enable-acl`` false everything else is open to the group, as in Pacemaker;
* with ACLs on, a restricted user reads a filtered CIB (:func:`acl.filtered_copy`), a
  configuration commit is taken as an edit of what the user read, merged into the real CIB
  and refused when it touches anything the user may not write, a CIB operation is simulated on
  a copy and checked the same way, and the controller's calls (attributes, cleanup) are
  refused: they write the status on the user's behalf.

:func:`check` runs before a request is handled (it may refuse it or rewrite its body),
:func:`filter_result` after a query.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from hacrm import xmlsafe
from hacrm.engine import acl

PRIVILEGED_OPS = frozenset({"shutdown", "fault", "send", "node_fence"})
OPEN_OPS = frozenset({"ping", "status", "controller", "watch", "query"})


def _denied(text: str) -> dict[str, Any]:
    return {"ok": False, "error": f"permission denied: {text}"}


def check(op: str, req: dict[str, Any], who: acl.Identity | None,
          root: etree._Element) -> dict[str, Any] | None:
    """None when ``who`` may make the request (``req["body"]`` may have been rewritten);
    otherwise the refusal to answer with."""
    if who is None or who.privileged:
        return None
    if op in PRIVILEGED_OPS:
        return _denied(f"user {who.user} may not {op.replace('_', ' ')} (root or the "
                       "cluster's user only)")
    if not acl.required(root, who) or op in OPEN_OPS:
        return None
    if op == "replace_configuration":
        return _replace(req, who, root)
    if op == "cib_update":
        return _cib_update(req, who, root)
    return _denied(f"ACLs are enabled and {op!r} is not available to user {who.user}")


def _refusal(who: acl.Identity, denied: list[str]) -> dict[str, Any]:
    more = "; ".join(denied)
    return _denied(f"user {who.user} may not {more} (CIB ACLs; see `crm configure show "
                   "type:role`)")


def _replace(req: dict[str, Any], who: acl.Identity, root: etree._Element) -> dict[str, Any] | None:
    seen = acl.filtered_copy(root, who)
    if seen is None:
        return _denied(f"user {who.user} has no access to the CIB")
    base = (req.get("args") or {}).get("base")
    current = [int(root.get(k, "0")) for k in ("admin_epoch", "epoch", "num_updates")]
    if isinstance(base, list) and len(base) == 3 and base[:2] != current[:2]:
        return {"ok": False, "error": "the CIB changed since it was read; refresh and retry",
                "result": {"conflict": True, "current": current}}
    body = req.get("body")
    if not isinstance(body, str):
        return None  # the normal path refuses it
    try:
        edited = xmlsafe.parse(body, "the new CIB")
    except xmlsafe.XmlRefused:
        return None  # refused with the parser's message by the normal path
    if edited.tag != "cib" or edited.find("configuration") is None:
        return None
    merged = acl.merge_edit(root, seen, edited)
    denied = acl.denied_writes(root, merged, who)
    if denied:
        return _refusal(who, denied)
    req["body"] = etree.tostring(merged, encoding="unicode")
    return None


def _cib_update(req: dict[str, Any], who: acl.Identity, root: etree._Element
                ) -> dict[str, Any] | None:
    from hacrm.engine import cibstore

    args = req.get("args") or {}
    body = req.get("body") or ""
    if not isinstance(args, dict) or not isinstance(body, str):
        return None
    op, op_args = args.get("op"), args.get("args") or {}
    if not isinstance(op, str) or not isinstance(op_args, dict):
        return None
    try:
        prepared = cibstore.prepare(op, op_args, body.encode())
    except cibstore.CibError:
        return None  # refused with its message by the normal path
    scratch = copy.deepcopy(root)
    prepared.mutate(scratch)
    denied = acl.denied_writes(root, scratch, who)
    return _refusal(who, denied) if denied else None


def filter_result(op: str, response: dict[str, Any], who: acl.Identity | None,
                  root: etree._Element) -> dict[str, Any]:
    """A query's answer as ``who`` may see it."""
    if op != "query" or who is None or who.privileged or not response.get("ok") \
            or not acl.required(root, who):
        return response
    seen = acl.filtered_copy(root, who)
    if seen is None:
        return _denied(f"user {who.user} has no access to the CIB")
    result = dict(response.get("result") or {})
    result["cib"] = etree.tostring(seen, pretty_print=True, encoding="unicode")
    result.pop("digest", None)
    return {**response, "result": result}
