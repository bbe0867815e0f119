"""Greets from whichever Python runs it. Needs Python 3.13 or newer."""
import copy
import platform
from dataclasses import dataclass


@dataclass(frozen=True)
class Greeting:
    runtime: str
    version: str


template = Greeting(runtime="Python", version="unknown")
# copy.replace() is new in Python 3.13: older versions stop here.
greeting = copy.replace(template, version=platform.python_version())
print(f"Hello from {greeting.runtime} {greeting.version}")
