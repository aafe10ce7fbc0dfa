"""What every cursor-driven list in the app shares: navigation keys and the cursor's styling."""

from __future__ import annotations

from textual.binding import Binding

NAV_BINDINGS = [
    Binding("up,k", "move(-1)", "Up", show=False),
    Binding("down,j", "move(1)", "Down", show=False),
    Binding("pageup", "page(-1)", "Page up", show=False),
    Binding("pagedown", "page(1)", "Page down", show=False),
    Binding("home", "edge(-1)", "First", show=False),
    Binding("end", "edge(1)", "Last", show=False),
]


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
