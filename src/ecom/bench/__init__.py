"""The benchmark: a developer tool, not part of the product's import graph.

``runner`` runs each measured step in its own child process (``worker``) and writes a JSON
report; ``measure`` holds what a step's time and memory are read from; ``report`` renders the
JSON into docs/performance.md and the README's summary table. Only the CLI's ``ecom bench``
imports it; the dashboard reads the report's JSON, whose targets travel in it.
"""
