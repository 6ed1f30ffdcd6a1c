# `@jsii.python.classproperty` turns the generated getter of a static property into a class-level
# attribute of the getter's return type (the runtime's descriptor returns `Any`; this is the same
# value with its declared type).
from typing import Any, Callable, Generic, TypeVar

_T = TypeVar("_T")

class _ClassProperty(Generic[_T]):
    def __get__(self, obj: object, klass: type | None = None) -> _T: ...

def classproperty(func: Callable[[Any], _T]) -> _ClassProperty[_T]: ...

class_property = classproperty
