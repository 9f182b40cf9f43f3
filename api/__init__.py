"""The OAP standards checker."""

__version__ = "0.2.0"
