"""Shared pytest configuration: make tests/ importable for the oracle helpers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
