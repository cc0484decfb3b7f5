"""airsentry: airspace-incursion monitoring.

Surveillance reports flow one way: sources → tracking → airspace watch → assessment →
incident book → outputs. See ``docs/`` and the package modules for each stage.
"""

__version__ = "0.1.0"
