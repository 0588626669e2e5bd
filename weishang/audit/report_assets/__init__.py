"""What the HTML report is drawn with: SVG charts, the six figures around them, the stylesheet.

All of it is inlined into the one report file: nothing here is ever fetched at reading time.
"""
