"""hacrm: a crmsh-compatible ``crm`` shell with its own embedded HA cluster engine."""

__version__ = "0.1.0"
