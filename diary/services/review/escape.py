"""Figure JSON made safe for HTML."""

from __future__ import annotations


def script_json(text: str) -> str:
    """JSON made safe to place inside <script type="application/json">: no "</script>" or
    "<!--" can end the block early (JSON.parse reads the escapes back)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
