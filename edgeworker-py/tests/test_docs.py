"""help() works: the run-time docstrings and signatures of the compiled module are the type
stub's (the stub installed with the wheel), and their examples run."""

from __future__ import annotations

import ast
import doctest
import inspect
import io
import pydoc
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

import edgeworker
from edgeworker import _edgeworker

STUB = Path(_edgeworker.__file__).with_name("_edgeworker.pyi")


def stub_tree() -> ast.Module:
    assert STUB.is_file(), f"the wheel must ship its stub: {STUB}"
    return ast.parse(STUB.read_text(encoding="utf-8"))


def runtime(qualname: str) -> Any:
    """The run-time object for `name` or `Class.member`; a property as its descriptor."""
    obj: Any = _edgeworker
    for part in qualname.split("."):
        obj = obj.__dict__[part] if inspect.isclass(obj) else getattr(obj, part)
    return obj


def documented() -> Iterator[Tuple[str, ast.AST]]:
    """Every public function, class, method and property of the stub, by qualified name."""
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield node.name, node
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    yield f"{node.name}.{member.name}", member


NAMES = [name for name, _ in documented()]
DUNDERS = [name for name in NAMES if name.rsplit(".", 1)[-1].startswith("__")]
PLAIN = [name for name in NAMES if name not in DUNDERS]
STUB_NODES: Dict[str, ast.AST] = dict(documented())


def test_the_stub_documents_the_whole_public_surface():
    assert set(PLAIN) >= {
        "supports", "check_operation", "validate_host_add", "validate_host_add_batch", "validate_host_update", "AddressPool",
        "AddressPool.allocate", "AddressPool.name", "dnsmasq_hosts", "dnsmasq_addn_hosts", "Plan",
        "Plan.write_ansible", "plan", "skew_check",
    }
    public = {name for name in dir(_edgeworker) if not name.startswith("_") and callable(getattr(_edgeworker, name))}
    assert public <= set(NAMES), f"in the module but not in the stub: {public - set(NAMES)}"


def test_the_module_docstring_is_the_stubs():
    assert inspect.cleandoc(_edgeworker.__doc__ or "") == ast.get_docstring(stub_tree())


@pytest.mark.parametrize("name", PLAIN)
def test_run_time_docstring_is_the_stubs(name):
    stub_doc = ast.get_docstring(STUB_NODES[name])  # type: ignore[arg-type]
    assert stub_doc, f"{name}: the stub has no docstring"
    doc = runtime(name).__doc__
    assert doc is not None, f"{name}: no docstring at run time"
    assert inspect.cleandoc(doc) == stub_doc


@pytest.mark.parametrize("name", DUNDERS)
def test_slots_carry_no_stub_text_python_cannot_show(name):
    """`__len__` and friends show Python's own text at run time: the stub adds none."""
    assert ast.get_docstring(STUB_NODES[name]) is None  # type: ignore[arg-type]


def stub_parameters(node: ast.FunctionDef, method: bool) -> List[Tuple[str, str, Optional[str]]]:
    """(name, kind, default source) for every parameter, as inspect names the kinds."""
    args = node.args
    positional = args.posonlyargs + args.args
    defaults: List[Optional[str]] = [None] * (len(positional) - len(args.defaults))
    defaults += [ast.unparse(d) for d in args.defaults]
    out = []
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        kind = "POSITIONAL_ONLY" if i < len(args.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        out.append((arg.arg, kind, default))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        out.append((arg.arg, "KEYWORD_ONLY", None if kw_default is None else ast.unparse(kw_default)))
    return out[1:] if method else out


def runtime_parameters(obj: Any, method: bool) -> List[Tuple[str, str, Optional[str]]]:
    params = list(inspect.signature(obj).parameters.values())
    if method and params and params[0].name in ("self", "cls", "$self"):
        params = params[1:]
    return [
        (p.name, p.kind.name, None if p.default is inspect.Parameter.empty else repr(p.default))
        for p in params
    ]


CALLABLES = [
    name for name in PLAIN
    if isinstance(STUB_NODES[name], ast.FunctionDef)
    and not any(isinstance(d, ast.Name) and d.id == "property" for d in STUB_NODES[name].decorator_list)  # type: ignore[attr-defined]
]


@pytest.mark.parametrize("name", CALLABLES)
def test_run_time_signature_is_the_stubs(name):
    obj = runtime(name)
    assert obj.__text_signature__, f"{name}: no text signature at run time"
    node = STUB_NODES[name]
    assert isinstance(node, ast.FunctionDef)
    method = "." in name
    assert runtime_parameters(obj, method) == stub_parameters(node, method)


def test_the_pool_documents_its_constructor():
    stub_new = next(
        m for m in STUB_NODES["AddressPool"].body  # type: ignore[attr-defined]
        if isinstance(m, ast.FunctionDef) and m.name == "__new__"
    )
    call = "AddressPool(name, network, ranges=None, order='random', rows=None, *, profile='classic')"
    if sys.version_info >= (3, 10):
        assert runtime_parameters(edgeworker.AddressPool, False) == stub_parameters(stub_new, True)
    else:
        # abi3 classes have no run-time signature on 3.9 (pyo3 leaves it out of the class
        # docstring there): the docstring spells the call instead, for every version.
        assert edgeworker.AddressPool.__text_signature__ is None
    text = pydoc.render_doc(edgeworker.AddressPool, renderer=pydoc.plaintext)
    assert f"Arguments of ``{call}``" in text
    for argument in ("``network``", "``ranges``", "``order``", "``rows``", "AddressPoolError"):
        assert argument in text
    assert not edgeworker.AddressPool.__doc__.startswith("Create and return")


def test_help_on_validate_host_add_gives_context_result_and_errors():
    text = pydoc.render_doc(edgeworker.validate_host_add, renderer=pydoc.plaintext)
    assert "validate_host_add(request, context=None, *, strict=False)" in text
    for part in ("``context``", "mgmt_network", "Returns", '"effect"', "Raises", "HostValidationError",
                 "ContextError", "TypeError"):
        assert part in text, part


def test_help_on_the_package_lists_every_export():
    text = pydoc.render_doc(edgeworker, renderer=pydoc.plaintext)
    for name in edgeworker.__all__:
        assert name in text or name == "__version__", name
    assert f"VERSION\n    {edgeworker.__version__}" in text
    assert "UnknownNameError" in text and "Example" in text


def test_plan_says_how_to_get_one():
    with pytest.raises(TypeError):
        edgeworker.Plan()
    assert "plan(controller, nodes)" in (edgeworker.Plan.__doc__ or "")


EXAMPLES = [name for name in PLAIN if ">>>" in (runtime(name).__doc__ or "")]


@pytest.mark.parametrize("name", EXAMPLES)
def test_docstring_examples_run(name):
    test = doctest.DocTestParser().get_doctest(runtime(name).__doc__, dict(vars(edgeworker)), name, str(STUB), 0)
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()
    assert runner.tries > 0


def test_the_main_calls_have_examples():
    assert {"supports", "check_operation", "validate_host_add", "AddressPool", "dnsmasq_hosts", "skew_check"} <= set(EXAMPLES)
