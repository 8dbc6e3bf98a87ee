"""Meta-data as the text ``ra info`` prints: title, description, parameters, operations.

The layout is crmsh's, which its users read and scripts compare: the title line is
``shortdesc (class:provider:type)``; each parameter is ``name[*] (type, [default]): shortdesc``
followed by its long description indented four spaces; each operation is its name padded to
13 columns and its attributes as ``key=value``.
"""

from __future__ import annotations

from hacrm.ra.metadata import AgentMeta, Parameter

TAB = "    "
SKIP_ACTIONS = ("meta-data", "validate-all")


def _shortdesc(text: str, *others: str) -> str:
    """A short description worth printing (not a repeat of the name or the long text)."""
    return text if text and text not in others else ""


def parameter_text(param: Parameter, agent_type: str = "") -> str:
    head = param.name + ("*" if param.required else "")
    if param.type and param.default:
        head += f" ({param.type}, [{param.default}])"
    elif param.type:
        head += f" ({param.type})"
    head += f": {_shortdesc(param.shortdesc, param.name, param.longdesc, agent_type)}"
    lines = [head]
    if param.longdesc:
        lines.append(TAB + param.longdesc.replace("\n", "\n" + TAB) + "\n")
    return "\n".join(lines)


def info_text(meta: AgentMeta, agent_type: str = "") -> str:
    """The whole ``ra info`` text of one agent."""
    parts = []
    short = _shortdesc(meta.shortdesc, agent_type, meta.longdesc)
    parts.append(f"{short} ({meta.agent})" if short else meta.agent)
    if meta.longdesc:
        parts.append(meta.longdesc)
    params = [parameter_text(p, agent_type) for p in meta.parameters]
    if params:
        parts.append(("Parameters (*: required, []: default):\n\n" + "\n".join(params)).rstrip())
    actions = []
    for action in meta.actions:
        if action.name in SKIP_ACTIONS:
            continue
        line = f"{action.name:<13}"
        for key, value in action.attrs.items():
            if value:
                line += f" {key}={value}"
        actions.append(TAB + line)
    if actions:
        parts.append("Operations' defaults (advisory minimum):\n\n" + "\n".join(actions))
    return "\n\n".join(parts)
