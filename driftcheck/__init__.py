"""driftcheck: detect drift in Amazon SES configuration-set event destinations."""

__version__ = "0.1.0"
