"""weishang: the honest micro-business platform."""

__version__ = "0.1.0"
