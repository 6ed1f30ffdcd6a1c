#!/usr/bin/env python3
"""Checks Python CDK apps against jsii assemblies, without the jsii Python runtime.

For every file it reports the references to jsii modules (those of the assemblies given) that
the Python bindings jsii-pacmak generates would not accept, and lists the API members the file
uses (for the TypeScript/Python parity check):

- imports: every module and name imported from a jsii module exists;
- attributes: module members, static members (methods, static properties, enum members, nested
  types) and instance members (properties and methods, inherited ones included, across
  assemblies) exist, with the names jsii-pacmak generates (snake_case, keywords escaped,
  constants in UPPER_CASE);
- calls: constructors, struct constructors, static and instance methods get no more positional
  arguments than they take, no unknown keyword argument (a trailing struct parameter becomes
  keyword arguments, as jsii-pacmak lifts it), and every required argument and required struct
  property; classes without a public constructor are not instantiated.

Types are inferred only where that is certain: imported names, constructor and method results,
properties, `self` in a subclass of a jsii class and its `self.x = ...` attributes, parameters
annotated with a jsii type, and local names whose every assignment has the same type. Other
values are not checked (argument *types* are pyright's part of the check).

Usage: assembly_check.py --assembly PATH [--assembly PATH ...] FILE.py [...]
Prints {"files": {FILE: {"errors": [...], "uses": [...]}}} as JSON.
"""
from __future__ import annotations

import argparse
import ast
import gzip
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Optional, Union

# --- jsii-pacmak's Python names (jsii-pacmak/lib/targets/python.ts, codemaker's toSnakeCase) ---

# jsii-pacmak/lib/targets/python/util.ts: names that get a trailing underscore.
PYTHON_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except "
    "finally for from global if import in is lambda nonlocal not or pass raise return try while "
    "with yield".split()
)
_ABBREVIATIONS = re.compile(r"(^|[^A-Z])(KiB|MiB|GiB)($|[^a-z])")


def to_snake_case(name: str) -> str:
    """codemaker's toSnakeCase: decamelize (v5) after saving KiB/MiB/GiB."""
    name = _ABBREVIATIONS.sub(lambda m: m.group(1) + m.group(2)[0] + m.group(2)[1:].lower() + m.group(3), name)
    if len(name) < 2:
        return name.lower()
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z])([A-Z][a-z]+)", r"\1_\2", name)
    return name.lower()


def python_identifier(name: str) -> str:
    return f"{name}_" if name in PYTHON_KEYWORDS else name


def member_name(member: dict[str, Any], constant: bool = False) -> str:
    value = python_identifier(to_snake_case(member["name"]))
    if constant:
        value = value.upper()
    if member.get("protected"):
        value = f"_{value}"
    return value


# --- assemblies ---


def load_assembly(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        data = json.loads(f.read())
    if data.get("schema") == "jsii/file-redirect":
        target = os.path.join(os.path.dirname(path), data["filename"])
        with open(target, "rb") as f:
            raw = f.read()
        if data.get("compression") == "gzip":
            raw = gzip.decompress(raw)
        data = json.loads(raw)
    return data


@dataclass(frozen=True)
class Module:
    python_name: str
    namespace: str  # jsii namespace (assembly name or submodule fqn)


@dataclass(frozen=True)
class TypeObj:
    """A jsii type as a value (the class itself)."""

    fqn: str


@dataclass(frozen=True)
class Instance:
    fqn: str


@dataclass(frozen=True)
class PyClass:
    """A class defined in the checked file; `base` is its jsii base class, if any."""

    name: str
    base: Optional[str]


@dataclass(frozen=True)
class PyInstance:
    cls: PyClass


@dataclass(frozen=True)
class Super:
    base: str


@dataclass(frozen=True)
class Callable_:
    """A jsii callable bound for a call: `owner` is the declaring type, `callable` the jsii spec."""

    owner: str
    name: str  # jsii member name, '<init>' for constructors
    callable: Optional[dict[str, Any]]
    record: bool = True


Value = Union[Module, TypeObj, Instance, PyClass, PyInstance, Super, Callable_, None]


class Api:
    def __init__(self, assemblies: list[dict[str, Any]]):
        self.types: dict[str, dict[str, Any]] = {}
        self.modules: dict[str, Module] = {}
        self.namespace_members: dict[str, dict[str, Value]] = {}
        for asm in assemblies:
            self.modules[asm["targets"]["python"]["module"]] = Module(asm["targets"]["python"]["module"], asm["name"])
            for fqn, sub in (asm.get("submodules") or {}).items():
                py = ((sub.get("targets") or {}).get("python") or {}).get("module")
                if py:
                    self.modules[py] = Module(py, fqn)
            self.types.update(asm["types"])
        for module in self.modules.values():
            self.namespace_members.setdefault(module.namespace, {})
        for py, module in self.modules.items():
            parent, _, last = py.rpartition(".")
            if parent in self.modules:
                self.namespace_members[self.modules[parent].namespace][last] = module
        for fqn, t in self.types.items():
            namespace = fqn[: -(len(t["name"]) + 1)]
            self.namespace_members.setdefault(namespace, {})[t["name"]] = TypeObj(fqn)

    def roots(self) -> set[str]:
        return {name.split(".")[0] for name in self.modules}

    def kind(self, fqn: str) -> str:
        t = self.types.get(fqn)
        if t is None:
            return "unknown"
        if t["kind"] == "interface" and t.get("datatype"):
            return "struct"
        return t["kind"]

    def ancestors(self, fqn: str) -> list[str]:
        """The type, its base classes and all interfaces, nearest first."""
        seen: list[str] = []
        queue = [fqn]
        while queue:
            current = queue.pop(0)
            if current in seen or current not in self.types:
                continue
            seen.append(current)
            t = self.types[current]
            if t.get("base"):
                queue.append(t["base"])
            queue.extend(t.get("interfaces") or [])
        return seen

    def instance_member(self, fqn: str, name: str) -> Optional[tuple[str, str, dict[str, Any]]]:
        """('property'|'method', declaring fqn, spec) of an instance member by its Python name."""
        for owner in self.ancestors(fqn):
            t = self.types[owner]
            for prop in t.get("properties") or []:
                if not prop.get("static") and member_name(prop) == name:
                    return ("property", owner, prop)
            for method in t.get("methods") or []:
                if not method.get("static") and member_name(method) == name:
                    return ("method", owner, method)
        return None

    def static_member(self, fqn: str, name: str) -> Optional[tuple[str, str, Any]]:
        t = self.types[fqn]
        for member in t.get("members") or []:  # enum members keep their names
            if member["name"] == name:
                return ("enum", fqn, member)
        # static members are inherited by subclasses in Python
        for owner in self.ancestors(fqn):
            o = self.types[owner]
            if o["kind"] != "class":
                continue
            for prop in o.get("properties") or []:
                if prop.get("static") and member_name(prop, constant=bool(prop.get("const"))) == name:
                    return ("property", owner, prop)
            for method in o.get("methods") or []:
                if method.get("static") and member_name(method) == name:
                    return ("method", owner, method)
        nested = self.namespace_members.get(fqn, {}).get(name)
        if nested is not None:
            return ("type", fqn, nested)
        return None

    def struct_properties(self, fqn: str) -> list[dict[str, Any]]:
        """The properties a struct parameter is lifted into (inherited ones included)."""
        props: list[dict[str, Any]] = []
        names: set[str] = set()
        for owner in self.ancestors(fqn):
            for prop in self.types[owner].get("properties") or []:
                if prop["name"] not in names:
                    names.add(prop["name"])
                    props.append(prop)
        return props

    def python_parameters(self, callable_: dict[str, Any]) -> tuple[list[tuple[str, bool, bool]], list[tuple[str, bool]]]:
        """([(positional name, optional, variadic)], [(keyword-only name, optional)]) as jsii-pacmak emits them."""
        params = list(callable_.get("parameters") or [])
        lifted: list[dict[str, Any]] = []
        if params:
            last = params[-1]
            ref = last.get("type") or {}
            if not last.get("variadic") and "fqn" in ref and self.kind(ref["fqn"]) == "struct":
                lifted = self.struct_properties(ref["fqn"])
                params = params[:-1]
        lifted_names = {python_identifier(to_snake_case(p["name"])) for p in lifted}
        positional = []
        for p in params:
            name = python_identifier(to_snake_case(p["name"]))
            while name in lifted_names:
                name += "_"
            positional.append((name, bool(p.get("optional")), bool(p.get("variadic"))))
        keywords = [(python_identifier(to_snake_case(p["name"])), bool(p.get("optional"))) for p in lifted]
        return positional, keywords

    def python_name(self, fqn: str) -> str:
        t = self.types.get(fqn)
        if t is None:
            return fqn
        namespace = fqn[: -(len(t["name"]) + 1)]
        for py, module in self.modules.items():
            if module.namespace == namespace:
                return f"{py}.{t['name']}"
        return f"{self.python_name(namespace)}.{t['name']}" if namespace in self.types else fqn


def type_ref_value(ref: Optional[dict[str, Any]]) -> Value:
    if ref and "fqn" in ref:
        return Instance(ref["fqn"])
    return None


# --- the checker ---


class Scope:
    def __init__(self, parent: Optional["Scope"], py_class: Optional[PyClass] = None):
        self.parent = parent
        self.py_class = py_class  # set for methods: `self` is an instance of it
        self.bindings: dict[str, list[ast.AST]] = {}
        self.fixed: dict[str, Value] = {}
        self.cache: dict[str, Value] = {}
        self.resolving: set[str] = set()

    def bind(self, name: str, node: ast.AST) -> None:
        self.bindings.setdefault(name, []).append(node)


@dataclass
class FileResult:
    errors: list[str] = field(default_factory=list)
    uses: set[str] = field(default_factory=set)


class Checker:
    def __init__(self, api: Api):
        self.api = api
        self.result = FileResult()
        self.py_classes: dict[str, PyClass] = {}
        self.py_class_attrs: dict[PyClass, dict[str, list[tuple[ast.AST, Scope]]]] = {}
        self.py_class_inits: dict[PyClass, ast.FunctionDef] = {}
        self.scope_of: dict[ast.AST, Scope] = {}
        self.checked: set[int] = set()

    # errors and uses

    def error(self, node: ast.AST, message: str) -> None:
        self.result.errors.append(f"line {getattr(node, 'lineno', '?')}: {message}")

    def use(self, owner: str, member: str, call: Optional[ast.Call] = None) -> None:
        if call is None:
            self.result.uses.add(f"{owner}#{member}")
        else:
            positional = sum(1 for a in call.args if not isinstance(a, ast.Starred))
            keywords = ",".join(sorted(k.arg for k in call.keywords if k.arg is not None))
            self.result.uses.add(f"{owner}#{member}({positional};{keywords})")

    # pass 1: scopes, bindings, classes

    def collect(self, tree: ast.Module) -> None:
        module_scope = Scope(None)
        self.scope_of[tree] = module_scope
        self._collect_body(tree.body, module_scope, None)

    def _collect_body(self, body: list[ast.stmt], scope: Scope, py_class: Optional[PyClass]) -> None:
        for stmt in body:
            for node in walk_local(stmt):
                self._collect_node(node, scope, py_class)

    def _collect_node(self, node: ast.AST, scope: Scope, py_class: Optional[PyClass]) -> None:
        if isinstance(node, ast.ClassDef):
            scope.bind(node.name, node)
            base = None
            for b in node.bases:
                value = self.value_of(b, scope)
                if isinstance(value, TypeObj) and self.api.kind(value.fqn) == "class":
                    base = value.fqn
            cls = PyClass(node.name, base)
            self.py_classes[node.name] = cls
            scope.fixed[node.name] = cls
            self.py_class_attrs.setdefault(cls, {})
            class_scope = Scope(scope)
            self.scope_of[node] = class_scope
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef):
                    if stmt.name == "__init__":
                        self.py_class_inits[cls] = stmt
                    self._collect_function(stmt, scope, cls)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.bind(node.name, node)
            self._collect_function(node, scope, py_class)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    scope.fixed[alias.asname] = self.import_module(node, alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.import_module(node, alias.name)
                    scope.fixed[top] = self.api.modules.get(top)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = self.import_module(node, node.module)
            for alias in node.names:
                local = alias.asname or alias.name
                if module is None:
                    scope.fixed[local] = None
                    continue
                member = self.api.namespace_members.get(module.namespace, {}).get(alias.name)
                if member is None:
                    self.error(node, f"module '{module.python_name}' has no member '{alias.name}'")
                scope.fixed[local] = member
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value, scope, py_class)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            self._bind_target(node.target, node, scope, py_class)
        elif isinstance(node, (ast.For, ast.comprehension)):
            self._bind_target(node.target, ast.Starred(value=node.iter), scope, py_class)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, ast.Constant(value=None), scope, py_class)
        elif isinstance(node, ast.NamedExpr):
            self._bind_target(node.target, node.value, scope, py_class)

    def _bind_target(self, target: ast.AST, value: ast.AST, scope: Scope, py_class: Optional[PyClass]) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, value)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and py_class is not None
        ):
            self.py_class_attrs[py_class].setdefault(target.attr, []).append((value, scope))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, ast.Constant(value=None), scope, py_class)

    def _collect_function(self, fn: Union[ast.FunctionDef, ast.AsyncFunctionDef], parent: Scope, py_class: Optional[PyClass]) -> None:
        scope = Scope(parent, py_class)
        self.scope_of[fn] = scope
        args = fn.args
        all_args = args.posonlyargs + args.args + args.kwonlyargs
        for i, arg in enumerate(all_args):
            if py_class is not None and i == 0 and arg.arg == "self":
                scope.fixed["self"] = PyInstance(py_class)
                continue
            annotated = self._annotation_value(arg.annotation, parent) if arg.annotation is not None else None
            scope.fixed[arg.arg] = annotated
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.fixed[extra.arg] = None
        self._collect_body(fn.body, scope, py_class)

    def _annotation_value(self, annotation: ast.AST, scope: Scope) -> Value:
        """An annotation `T` or `T | None` / `Optional[T]` of a jsii type: an instance of it."""
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = [annotation.left, annotation.right]
            sides = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
            return self._annotation_value(sides[0], scope) if len(sides) == 1 else None
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, (ast.Name, ast.Attribute)):
            name = annotation.value.id if isinstance(annotation.value, ast.Name) else annotation.value.attr
            if name == "Optional":
                return self._annotation_value(annotation.slice, scope)
            return None
        value = self.value_of(annotation, scope)
        if isinstance(value, TypeObj):
            return Instance(value.fqn)
        if isinstance(value, PyClass):
            return PyInstance(value)
        return None

    def import_module(self, node: ast.AST, name: str) -> Optional[Module]:
        module = self.api.modules.get(name)
        if module is None and name.split(".")[0] in self.api.roots():
            self.error(node, f"no module named '{name}'")
        return module

    # pass 2: values

    def lookup(self, name: str, scope: Scope) -> tuple[bool, Value]:
        current: Optional[Scope] = scope
        while current is not None:
            if name in current.bindings or name in current.fixed:
                return True, self._resolve_name(name, current)
            current = current.parent
        return False, None

    def _resolve_name(self, name: str, scope: Scope) -> Value:
        if name in scope.cache:
            return scope.cache[name]
        if name in scope.resolving:
            return None
        scope.resolving.add(name)
        candidates: list[Value] = []
        if name in scope.fixed:
            candidates.append(scope.fixed[name])
        for node in scope.bindings.get(name, []):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                candidates.append(self.py_classes.get(name) if isinstance(node, ast.ClassDef) else None)
            else:
                candidates.append(self.value_of(node, scope, record=False))
        scope.resolving.discard(name)
        value = candidates[0] if candidates and all(c == candidates[0] for c in candidates) else None
        scope.cache[name] = value
        return value

    def value_of(self, node: ast.AST, scope: Scope, record: bool = False) -> Value:
        """The value of an expression, reporting errors and uses only when `record`."""
        if isinstance(node, ast.Name):
            _, value = self.lookup(node.id, scope)
            return value
        if isinstance(node, ast.Attribute):
            return self.attribute(node, self.value_of(node.value, scope, record), record)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "super" and scope.py_class and scope.py_class.base:
                return Super(scope.py_class.base)
            return self.call(node, self.value_of(node.func, scope, record), scope, record)
        if isinstance(node, ast.Starred):  # an iterated collection: its elements, if all alike
            if isinstance(node.value, (ast.List, ast.Tuple, ast.Set)) and node.value.elts:
                values = [self.value_of(e, scope, record) for e in node.value.elts]
                return values[0] if all(v == values[0] for v in values) else None
            return None
        if isinstance(node, ast.AnnAssign):
            annotated = self._annotation_value(node.annotation, scope)
            return annotated if annotated is not None else self.value_of(node.value, scope, record) if node.value else None
        if isinstance(node, ast.BoolOp):
            values = [self.value_of(v, scope, record) for v in node.values]
            return values[0] if all(v == values[0] for v in values) else None
        if isinstance(node, ast.IfExp):
            a, b = self.value_of(node.body, scope, record), self.value_of(node.orelse, scope, record)
            return a if a == b else None
        return None

    def attribute(self, node: ast.Attribute, owner: Value, record: bool) -> Value:
        name = node.attr
        if isinstance(owner, Module):
            member = self.api.namespace_members.get(owner.namespace, {}).get(name)
            if member is None and record:
                self.error(node, f"module '{owner.python_name}' has no member '{name}'")
            return member
        if isinstance(owner, TypeObj):
            if name.startswith("__"):
                return None
            found = self.api.static_member(owner.fqn, name)
            if found is None:
                if record:
                    self.error(node, f"'{self.api.python_name(owner.fqn)}' has no static member '{name}'")
                return None
            kind, declaring, spec = found
            if kind == "enum":
                if record:
                    self.use(declaring, spec["name"])
                return Instance(owner.fqn)
            if kind == "property":
                if record:
                    self.use(declaring, spec["name"])
                return type_ref_value(spec.get("type"))
            if kind == "method":
                return Callable_(declaring, spec["name"], spec)
            return spec  # nested type
        if isinstance(owner, Instance):
            if name.startswith("__") or self.api.kind(owner.fqn) in ("enum", "unknown"):
                return None  # enum members are Python enum.Enum members (.name, .value)
            found = self.api.instance_member(owner.fqn, name)
            if found is None and self.api.static_member(owner.fqn, name) is not None:
                return self.attribute(node, TypeObj(owner.fqn), record)
            if found is None:
                if record:
                    self.error(node, f"'{self.api.python_name(owner.fqn)}' has no attribute '{name}'")
                return None
            kind, declaring, spec = found
            if kind == "property":
                if record:
                    self.use(declaring, spec["name"])
                return type_ref_value(spec.get("type"))
            return Callable_(declaring, spec["name"], spec)
        if isinstance(owner, PyInstance):
            assigned = self.py_class_attrs.get(owner.cls, {}).get(name)
            if assigned is not None:
                values = [self.value_of(v, s) for v, s in assigned]
                return values[0] if all(v == values[0] for v in values) else None
            if owner.cls.base is not None:
                return self.attribute(node, Instance(owner.cls.base), record)
            return None
        if isinstance(owner, Super):
            if name == "__init__":
                ctor = self.api.types[owner.base].get("initializer")
                return Callable_(owner.base, "<init>", ctor, record=False)
            return self.attribute(node, Instance(owner.base), record)
        return None

    def call(self, node: ast.Call, callee: Value, scope: Scope, record: bool) -> Value:
        if isinstance(callee, TypeObj):
            kind = self.api.kind(callee.fqn)
            if kind == "struct":
                self.check_struct(node, callee.fqn, record)
                return Instance(callee.fqn)
            if kind == "class":
                t = self.api.types[callee.fqn]
                if t.get("abstract"):
                    if record:
                        self.error(node, f"'{self.api.python_name(callee.fqn)}' is abstract")
                elif "initializer" not in t:
                    if record:
                        self.error(node, f"'{self.api.python_name(callee.fqn)}' has no public constructor")
                else:
                    self.check_call(node, Callable_(callee.fqn, "<init>", t["initializer"]), record)
                return Instance(callee.fqn)
            if record:
                self.error(node, f"'{self.api.python_name(callee.fqn)}' ({kind}) cannot be instantiated")
            return None
        if isinstance(callee, Callable_):
            self.check_call(node, callee, record)
            if callee.name == "<init>" or callee.callable is None:
                return None
            returns = callee.callable.get("returns")
            return type_ref_value(returns.get("type")) if returns else None
        if isinstance(callee, PyClass):
            self.check_py_class_call(node, callee, record)
            return PyInstance(callee)
        return None

    def check_struct(self, node: ast.Call, fqn: str, record: bool) -> None:
        if not record:
            return
        what = f"{self.api.python_name(fqn)}()"
        if node.args:
            self.error(node, f"{what} takes keyword arguments only ({len(node.args)} positional given)")
        props = {python_identifier(to_snake_case(p["name"])): p for p in self.api.struct_properties(fqn)}
        self._check_keywords(node, what, {n: bool(p.get("optional")) for n, p in props.items()}, set())
        self.use(fqn, "<init>", node)

    def check_call(self, node: ast.Call, callee: Callable_, record: bool) -> None:
        if not record:
            return
        if callee.callable is None:
            self.error(node, f"'{self.api.python_name(callee.owner)}' has no public constructor")
            return
        label = "" if callee.name == "<init>" else "." + member_name(callee.callable)
        what = f"{self.api.python_name(callee.owner)}{label}()"
        positional, keywords = self.api.python_parameters(callee.callable)
        has_star = any(isinstance(a, ast.Starred) for a in node.args)
        variadic = any(v for _, _, v in positional)
        given = [a for a in node.args if not isinstance(a, ast.Starred)]
        fixed = [p for p in positional if not p[2]]
        if not has_star and not variadic and len(given) > len(fixed):
            self.error(node, f"{what} takes at most {len(fixed)} positional arguments ({len(given)} given)")
        filled = {name for name, _, _ in fixed[: len(given)]}
        accepted = {name: optional for name, optional, _ in fixed}
        accepted.update(dict(keywords))
        # keywords may also fill positional parameters
        self._check_keywords(node, what, accepted, filled, star_args=has_star)
        if callee.record:
            self.use(callee.owner, callee.name, node)

    def _check_keywords(self, node: ast.Call, what: str, accepted: dict[str, bool], filled: set[str], star_args: bool = False) -> None:
        splat = any(k.arg is None for k in node.keywords)
        given: set[str] = set()
        for k in node.keywords:
            if k.arg is None:
                continue
            if k.arg not in accepted:
                self.error(k, f"{what} got an unexpected keyword argument '{k.arg}'")
            elif k.arg in filled or k.arg in given:
                self.error(k, f"{what} got multiple values for argument '{k.arg}'")
            given.add(k.arg)
        if splat or star_args:
            return
        for name, optional in accepted.items():
            if not optional and name not in given and name not in filled:
                self.error(node, f"{what} is missing the required argument '{name}'")

    def check_py_class_call(self, node: ast.Call, cls: PyClass, record: bool) -> None:
        """Keyword arguments a Python subclass passes on to its jsii base (`**kwargs` into `super().__init__`)."""
        init = self.py_class_inits.get(cls)
        if not record or init is None or cls.base is None or init.args.kwarg is None:
            return
        forwards = any(
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "__init__"
            and any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == init.args.kwarg.arg for k in n.keywords)
            for n in ast.walk(init)
        )
        ctor = self.api.types[cls.base].get("initializer")
        if not forwards or ctor is None:
            return
        own = {a.arg for a in init.args.args + init.args.kwonlyargs + init.args.posonlyargs}
        _, keywords = self.api.python_parameters(ctor)
        accepted = {name for name, _ in keywords}
        for k in node.keywords:
            if k.arg is not None and k.arg not in own and k.arg not in accepted:
                self.error(k, f"{cls.name}() passes an unexpected keyword argument '{k.arg}' to {self.api.python_name(cls.base)}")

    # pass 3: walk every expression once, recording errors and uses

    def check(self, tree: ast.Module) -> None:
        self._check_body(tree.body, self.scope_of[tree])

    def _check_body(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self._check_stmt(stmt, scope)

    def _check_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        if isinstance(stmt, ast.ClassDef):
            for b in stmt.bases:
                self._check_expr(b, scope)
            for s in stmt.body:
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._check_function(s, scope)
                else:
                    self._check_stmt(s, scope)
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._check_function(stmt, scope)
            return
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return  # checked while collecting
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                self._check_stmt(child, scope)
            elif isinstance(child, ast.expr):
                self._check_expr(child, scope)
            else:
                for sub in ast.walk(child):
                    if isinstance(sub, ast.expr) and id(sub) not in self.checked:
                        self._check_expr(sub, scope)

    def _check_function(self, fn: Union[ast.FunctionDef, ast.AsyncFunctionDef], parent: Scope) -> None:
        scope = self.scope_of[fn]
        for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
            if arg.annotation is not None:
                self._check_expr(arg.annotation, parent)
        for default in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]:
            self._check_expr(default, parent)
        if fn.returns is not None:
            self._check_expr(fn.returns, parent)
        self._check_body(fn.body, scope)

    def _check_expr(self, node: ast.expr, scope: Scope) -> None:
        """Evaluates the outermost chains with recording on; their inner parts are marked checked."""
        if id(node) in self.checked:
            return
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
            self.value_of(node, scope, record=True)
            # mark the chain itself, then check arguments and other sub-expressions not in the chain
            chain = []
            current: ast.AST = node
            while isinstance(current, (ast.Attribute, ast.Call)):
                chain.append(current)
                current = current.value if isinstance(current, ast.Attribute) else current.func
            chain.append(current)
            for part in chain:
                self.checked.add(id(part))
            for part in chain:
                if isinstance(part, ast.Call):
                    for a in part.args:
                        self._check_expr(a.value if isinstance(a, ast.Starred) else a, scope)
                    for k in part.keywords:
                        self._check_expr(k.value, scope)
            if not isinstance(current, (ast.Name, ast.Attribute, ast.Call)):
                self._check_expr(current, scope)  # type: ignore[arg-type]
            return
        self.checked.add(id(node))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._check_expr(child, scope)
            else:
                for sub in ast.iter_child_nodes(child):
                    if isinstance(sub, ast.expr):
                        self._check_expr(sub, scope)


def walk_local(node: ast.AST):
    """ast.walk that yields nested functions and classes but does not enter them (they have their own scope)."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    for child in ast.iter_child_nodes(node):
        yield from walk_local(child)


def main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":` (left out of the uses: it is how the app runs, not what it builds)."""
    return (
        isinstance(stmt, ast.If)
        and isinstance(stmt.test, ast.Compare)
        and isinstance(stmt.test.left, ast.Name)
        and stmt.test.left.id == "__name__"
    )


def check_file(api: Api, path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
        compile(tree, path, "exec")  # what `python -m py_compile` does, without writing a .pyc
    except SyntaxError as e:
        return {"errors": [f"line {e.lineno}: syntax error: {e.msg}"], "uses": []}
    checker = Checker(api)
    checker.collect(tree)
    main_blocks = [s for s in tree.body if main_guard(s)]
    tree.body = [s for s in tree.body if not main_guard(s)]
    checker.check(tree)
    uses = set(checker.result.uses)
    # the main block is checked too, but its uses are not part of the app
    for block in main_blocks:
        checker.result.uses = set()
        checker._check_stmt(block, checker.scope_of[tree])
    return {"errors": checker.result.errors, "uses": sorted(uses)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--assembly", action="append", required=True, help="a .jsii file (redirects and gzip followed)")
    parser.add_argument(
        "--member-names",
        action="store_true",
        help="print the [jsii name, Python name] pairs of every method and property of the assemblies instead",
    )
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    assemblies = [load_assembly(p) for p in args.assembly]
    if args.member_names:
        names = set()
        for asm in assemblies:
            for t in asm["types"].values():
                names.update((m["name"], member_name(m)) for m in t.get("methods") or [])
                names.update((p["name"], member_name(p, constant=bool(p.get("const")))) for p in t.get("properties") or [])
        json.dump(sorted(names), sys.stdout)
        sys.stdout.write("\n")
        return 0
    api = Api(assemblies)
    result = {"files": {path: check_file(api, path) for path in args.files}}
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
