"""What the HTML report is drawn with: inline SVG charts and the stylesheet (both inlined)."""
