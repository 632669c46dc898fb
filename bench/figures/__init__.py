"""One module per figure of the tend benchmark (see docs/benchmarks.md)."""
