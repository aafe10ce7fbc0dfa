"""What every cursor-driven list in the app shares: the cursor's styling (the keys come from :mod:`sumtrace.tui.keys`)."""

from __future__ import annotations


def cursor_css(widget: str, prefix: str) -> str:
    """DEFAULT_CSS for a ScrollView with a ``{prefix}--cursor`` / ``--cursor-blurred`` component."""
    return f"""
    {widget} {{
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }}
    {widget} > .{prefix}--cursor {{
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }}
    {widget} > .{prefix}--cursor-blurred {{
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }}
    """
