"""Optional parts of calsync and what to install for them.

``pip install calsync`` installs the server; the Microsoft cloud emulator's web stack
(``calsync emulator``, the demo) is the ``emulator`` extra, which ``make install`` includes.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def emulator_missing(exc: ImportError) -> str:
    """What to install when the emulator's web stack (the ``emulator`` extra) is missing."""

    return _(
        "the Microsoft cloud emulator needs its extra packages (%(module)s is missing): "
        "pip install 'calsync[emulator]' (make install includes them)."
    ) % {"module": exc.name or "?"}
