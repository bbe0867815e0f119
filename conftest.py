"""Wires the harness into pytest: `pytest docs/<page>.md` proves one chapter."""

pytest_plugins = ["docproof.pytest_plugin"]
