# Typing for the two names of the jsii Python runtime (PyPI package `jsii`, not reachable here) that
# change what a type checker sees in the bindings jsii-pacmak generates. Every other name the
# bindings take from `jsii` (member, data_type, implements, JSIIMeta, ...) stays unresolved, which
# pyright treats as Unknown: decorated members then keep their own, generated signatures.
from typing import Union

from . import python as python

# As in the runtime: JavaScript numbers are ints or floats.
Number = Union[int, float]
