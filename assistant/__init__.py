"""Improvement-planning assistant for CQC local authority assessment reports."""

__version__ = "0.1.0"
