"""fentrace: tracing and disrupting the illicit fentanyl supply chain.

The library is organised as one package per capability (see docs/architecture.md):
``reference`` (cited facts), ``chemistry`` (the only RDKit user), ``parties``,
``shipments``, ``network``, ``simulation``; ``cli`` is a thin edge over them.
"""

__version__ = "0.1.0"
