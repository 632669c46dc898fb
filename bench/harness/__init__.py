"""Shared parts of the tend benchmark harness (see bench/README.md)."""
