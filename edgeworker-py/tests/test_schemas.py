"""The JSON Schemas of docs/reference/schemas/ against the code, so they cannot drift:

(a) every bundled example validates against its schema (and the one deliberately
    malformed request does not);
(b) what the CLI and the binding produce from the examples now (plan and upgrade plan
    JSON, validate JSON, address state files) validates;
(c) the property names each input schema declares are the fields the code accepts: the
    code's lists are read from its tables and serde's own "expected one of" messages, and
    every declared property is probed through the CLI (known to the code) together with an
    unknown one (refused wherever the schema says ``additionalProperties: false``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import jsonschema  # requirements-dev.txt; scripts/test-python installs it with the wheel
import pytest
import referencing

import edgeworker

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "docs" / "reference" / "schemas"
EXAMPLES = ROOT / "examples"
CORE = ROOT / "edgeworker-core" / "src"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


SCHEMA_FILES = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
ALL = {name: load(SCHEMAS / name) for name in SCHEMA_FILES}
REGISTRY = referencing.Registry().with_resources(
    (name, referencing.Resource.from_contents(schema)) for name, schema in ALL.items()
)


def validator(name: str) -> Any:
    return jsonschema.Draft202012Validator(ALL[name], registry=REGISTRY)


def errors(name: str, instance: Any) -> List[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(instance)
    ]


def assert_valid(name: str, instance: Any, what: str) -> None:
    found = errors(name, instance)
    assert not found, f"{what} does not validate against {name}:\n" + "\n".join(found[:10])


def test_the_reference_lists_every_schema() -> None:
    assert set(SCHEMA_FILES) == {
        "context.schema.json", "host-add-request.schema.json", "host-update.schema.json",
        "address-pool.schema.json", "address-state.schema.json", "controller.schema.json",
        "nodes.schema.json", "plan.schema.json", "upgrade-plan.schema.json",
        "validate-output.schema.json",
    }
    index = (ROOT / "docs" / "reference" / "README.md").read_text(encoding="utf-8")
    for name in SCHEMA_FILES:
        assert f"(schemas/{name})" in index, f"docs/reference/README.md does not link {name}"


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_each_schema_is_a_2020_12_schema_with_descriptions(name: str) -> None:
    schema = ALL[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)

    def undescribed(node: Any, at: str) -> Iterator[str]:
        if isinstance(node, dict):
            for key, prop in node.get("properties", {}).items():
                if isinstance(prop, dict) and "description" not in prop and "const" not in prop:
                    yield f"{at}/properties/{key}"
            for key, value in node.items():
                yield from undescribed(value, f"{at}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from undescribed(value, f"{at}/{i}")

    assert "description" in schema, name
    missing = list(undescribed(schema, "#"))
    assert not missing, f"{name}: properties without a description: {missing}"
    for example in schema.get("examples", []):
        assert_valid(name, example, f"{name}'s own example")


# (a) ------------------------------------------------------------------ bundled examples


def requests_in(path: Path) -> List[Any]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    value = load(path)
    return value if isinstance(value, list) else [value]


# Which schema each example input follows; kube-nodes.json is kubectl's own format.
EXAMPLE_SCHEMAS: Dict[str, str] = {
    "context.json": "context.schema.json",
    "pool.json": "address-pool.schema.json",
    "hosts.jsonl": "host-add-request.schema.json",
    "plan/nodes.json": "nodes.schema.json",
    "plan/controller.json": "controller.schema.json",
    "plan/controller-airgapped.json": "controller.schema.json",
    "plan/controller-static.json": "controller.schema.json",
    "upgrade/controller.json": "controller.schema.json",
    "upgrade/kube-nodes.json": "",
}
for _path in sorted((EXAMPLES / "hosts").glob("*.json")):
    EXAMPLE_SCHEMAS[f"hosts/{_path.name}"] = "host-add-request.schema.json"
for _path in sorted((EXAMPLES / "updates").glob("*.json")):
    EXAMPLE_SCHEMAS[f"updates/{_path.name}"] = "host-update.schema.json"

# Refused for its shape (a string where a boolean goes, an unknown field), not for a rule.
MALFORMED = {"hosts/invalid-request-shape.json"}


def test_every_json_example_has_a_schema() -> None:
    found = {
        str(p.relative_to(EXAMPLES))
        for p in EXAMPLES.rglob("*")
        if p.suffix in (".json", ".jsonl")
    }
    assert found == set(EXAMPLE_SCHEMAS), "map each new example to its schema in EXAMPLE_SCHEMAS"


@pytest.mark.parametrize("example", sorted(k for k, v in EXAMPLE_SCHEMAS.items() if v))
def test_every_bundled_example_validates(example: str) -> None:
    name = EXAMPLE_SCHEMAS[example]
    path = EXAMPLES / example
    items = requests_in(path) if name.startswith("host-") else [load(path)]
    assert items
    for i, item in enumerate(items):
        if example in MALFORMED:
            found = errors(name, item)
            assert any("ttys_dcd" in e for e in found), found
            assert any("'role' was unexpected" in e for e in found), found
        else:
            assert_valid(name, item, f"examples/{example}[{i}]")


# (b) ------------------------------------------------------------------ outputs


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path


def run(cli: Any, cwd: Path, *args: str, status: Tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([cli.binary, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode in status, f"{args}: exit {done.returncode}: {done.stderr}"
    return done


@pytest.mark.parametrize("controller", ["controller.json", "controller-airgapped.json", "controller-static.json"])
def test_the_plan_json_validates(cli: Any, scratch: Path, controller: str) -> None:
    args = ["plan", "--controller", f"examples/plan/{controller}", "--nodes", "examples/plan/nodes.json", "--format", "json"]
    printed = json.loads(run(cli, scratch, *args).stdout)
    assert_valid("plan.schema.json", printed, f"plan --format json ({controller})")
    run(cli, scratch, *args, "--out", "plan.json")
    assert load(scratch / "plan.json") == printed
    built = edgeworker.plan(load(EXAMPLES / "plan" / controller), load(EXAMPLES / "plan" / "nodes.json"))
    assert_valid("plan.schema.json", json.loads(built.to_json()), f"edgeworker.plan(...).to_json() ({controller})")


def test_a_given_join_token_validates(cli: Any, scratch: Path) -> None:
    controller = load(EXAMPLES / "plan" / "controller.json")
    controller["join"] = {"token": "abcdef.0123456789abcdef", "ca_cert_hash": "sha256:" + "a" * 64}
    built = json.loads(edgeworker.plan(controller, load(EXAMPLES / "plan" / "nodes.json")).to_json())
    assert built["controller"]["join"]["source"] == "given"
    assert_valid("plan.schema.json", built, "a plan with a given join token")


def test_the_upgrade_plan_json_validates(cli: Any, scratch: Path) -> None:
    printed = json.loads(
        run(
            cli, scratch, "upgrade-plan", "--controller", "examples/upgrade/controller.json",
            "--nodes", "examples/plan/nodes.json", "--kube-nodes", "examples/upgrade/kube-nodes.json",
            "--format", "json",
        ).stdout
    )
    assert_valid("upgrade-plan.schema.json", printed, "upgrade-plan --format json")
    assert {n["action"] for n in printed["nodes"]} == {"upgrade", "keep"}
    built = edgeworker.upgrade_plan(
        load(EXAMPLES / "upgrade" / "controller.json"),
        load(EXAMPLES / "plan" / "nodes.json"),
        load(EXAMPLES / "upgrade" / "kube-nodes.json"),
    )
    assert_valid("upgrade-plan.schema.json", json.loads(built.to_json()), "edgeworker.upgrade_plan(...).to_json()")


def test_the_validate_json_validates(cli: Any, scratch: Path) -> None:
    runs = [["examples/hosts.jsonl"], ["--profile", "stx10", "examples/hosts.jsonl"]]
    runs += [[f"examples/hosts/{p.name}"] for p in sorted((EXAMPLES / "hosts").glob("*.json"))]
    runs += [["--update", "3c:ec:ef:10:20:07", "examples/updates/discovered-to-edgeworker.json"]]
    effects: Set[Optional[str]] = set()
    for args in runs:
        out = run(cli, scratch, "validate", "--format", "json", "--context", "examples/context.json", *args, status=(0, 1))
        lines = out.stdout.splitlines()
        assert lines, args
        for line in lines:
            report = json.loads(line)
            effects.add(report["effect"])
            assert_valid("validate-output.schema.json", report, f"validate {' '.join(args)}")
    assert effects == {"create", "update", "update_discovered", None}


def test_the_state_files_validate(cli: Any, scratch: Path) -> None:
    run(cli, scratch, "allocate", "--state", "mgmt.json", "--pool", "examples/pool.json", "--host", "edge-1", "--seed", "7")
    run(cli, scratch, "reserve", "--state", "mgmt.json", "--host", "controller", "--address", "192.168.204.2")
    (scratch / "pool-v6.json").write_text(json.dumps({"name": "management", "network": "fd00:204::/64"}))
    run(
        cli, scratch, "allocate", "--state", "mgmt.json", "--secondary-state", "mgmt-v6.json",
        "--secondary-pool", "pool-v6.json", "--profile", "stx10", "--host", "edge-2", "--seed", "7",
    )
    for name in ("mgmt.json", "mgmt-v6.json"):
        state = load(scratch / name)
        assert state["rows"], name
        assert_valid("address-state.schema.json", state, name)


# (c) ------------------------------------------------------------------ field lists


def resolve(schema_name: str, node: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """Follows `$ref` (local or to another schema file) and picks the object branch of an
    `anyOf`/`oneOf` with a null."""
    while True:
        if "$ref" in node:
            target, _, pointer = node["$ref"].partition("#")
            schema_name = target or schema_name
            node = ALL[schema_name]
            for part in filter(None, pointer.split("/")):
                node = node[part]
            continue
        branches = [b for b in node.get("anyOf", []) if b.get("type") != "null"]
        if len(branches) == 1:
            node = branches[0]
            continue
        return schema_name, node


def object_at(schema_name: str, path: List[str]) -> Dict[str, Any]:
    """The object schema at `path`, stepping into array items on the way."""
    name, node = resolve(schema_name, ALL[schema_name])
    for part in path:
        if "items" in node:
            name, node = resolve(name, node["items"])
        name, node = resolve(name, node["properties"][part])
    if "items" in node:
        name, node = resolve(name, node["items"])
    return node


def declared(schema_name: str, path: List[str]) -> Set[str]:
    return set(object_at(schema_name, path)["properties"])


def source(relative: str) -> str:
    return (CORE / relative).read_text(encoding="utf-8")


def block(text: str, start: str) -> str:
    """From `start` to the end of its block: the one `start` opens when it ends with `{` or
    `[`, else the first `{` after it."""
    at = text.index(start)
    opened = at + len(start) - 1 if start[-1] in "{[" else text.index("{", at)
    depth = 0
    for i in range(opened, len(text)):
        depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(text[i], 0)
        if depth == 0:
            return text[at : i + 1]
    raise AssertionError(f"unbalanced block at {start}")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def enum_variants(text: str, start: str) -> Set[str]:
    body = block(text, start)
    return {snake(v) for v in re.findall(r"^\s+([A-Z]\w*),?$", body, re.M)}


def serde_expected(message: str) -> Set[str]:
    """The field names of serde's `unknown field ..., expected ...` message."""
    expected = message.split("expected", 1)[1]
    return set(re.findall(r"`(\w+)`", expected))


def cli_error(cli: Any, cwd: Path, *args: str) -> str:
    done = run(cli, cwd, *args, status=(1, 3))
    return done.stderr


def host_table() -> Tuple[Set[str], Set[str], Set[str]]:
    """host.rs's FIELDS: (every name, the names a host-add refuses, ...) and profile.rs's
    attributes a profile adds: (fields, refused on add, added by a profile)."""
    table = block(source("host.rs"), "const FIELDS: &[Field] = &[")
    names = set(re.findall(r'Field::(?:new|platform|dropped)\(\s*"(\w+)"', table))
    not_on_add = set(re.findall(r'Field::platform\("(\w+)", false\)', table))
    rules = source("profile.rs")
    added = set()
    for listed in re.findall(r"added_host_attributes: &\[(.*?)\]", rules, re.S):
        added |= set(re.findall(r'"(\w+)"', listed))
    assert len(names) > 60 and not_on_add and added, "the FIELDS table or the profiles moved: update this reader"
    return names, not_on_add, added


def test_the_request_schemas_declare_the_field_table() -> None:
    names, not_on_add, added = host_table()
    assert declared("host-add-request.schema.json", []) == (names - not_on_add) | added
    assert declared("host-update.schema.json", []) == names


def reader_fields(text: str, function: str) -> Set[str]:
    """The field names a hand-written plan reader takes (`f.string("x")`, `parse_version(&mut f, "x")`, ...)."""
    body = block(text, function)
    return set(re.findall(r'(?:\.(?:string|optional_string|optional|required|strings|optional_u32)|parse_with|parse_version|url|source)\(\s*(?:&mut \w+,\s*)?"(\w+)"', body))


def test_the_plan_input_schemas_declare_what_the_readers_take() -> None:
    text = source("plan/input.rs")
    controller = (
        reader_fields(text, "pub fn from_value(value: Value) -> Result<Self, PlanError>")
        | reader_fields(text, "fn parse_addressing(")
        | reader_fields(text, "fn parse_max_unavailable(")
    )
    assert declared("controller.schema.json", []) == controller
    assert declared("controller.schema.json", ["proxy"]) == reader_fields(text, "fn parse_proxy(")
    sources = reader_fields(text, "fn parse_package_sources(")
    assert declared("controller.schema.json", ["package_sources"]) | {"url", "key"} == sources
    assert declared("controller.schema.json", ["package_sources", "kubernetes_deb"]) == {"url", "key"}
    assert declared("controller.schema.json", ["join"]) == reader_fields(text, "fn parse_join(")
    node = reader_fields(text, "pub fn from_value(index: usize, value: Value)")
    assert declared("nodes.schema.json", []) | {"id", "version"} == node
    assert declared("nodes.schema.json", ["os"]) == {"id", "version"}


def test_the_context_schema_declares_what_the_context_reader_takes(cli: Any, scratch: Path) -> None:
    text = source("context.rs")
    top = enum_variants(text, "enum PartKey {")
    arms = set(re.findall(r'^\s+"(\w+)" =>\s*\{?\s*parts\.', text, re.M))
    assert top == arms, "the text and value readers of a context take different keys"
    assert declared("context.schema.json", []) == top
    assert declared("context.schema.json", ["mgmt_network"]) == enum_variants(text, "enum NetworkKey {")
    host = set(re.findall(r'^\s+"(\w+)" => Self::', block(text, "pub fn from_name(name: &str)"), re.M))
    assert declared("context.schema.json", ["hosts"]) == host
    rows = set(re.findall(r'^\s+"(\w+)" =>', block(text, "fn read_row("), re.M))
    assert declared("context.schema.json", ["addresses"]) == rows
    # serde-derived parts name what they take in their own error message.
    for key, path in [("system", ["system"]), ("cluster_host_network", ["cluster_host_network"])]:
        (scratch / "c.json").write_text(json.dumps({key: {"zz_probe": 1}}))
        message = cli_error(cli, scratch, "validate", "--context", "c.json", "examples/hosts/edge-valid.json")
        assert declared("context.schema.json", path) == serde_expected(message), message
    (scratch / "c.json").write_text(json.dumps({"mgmt_network": {"pool": {"name": "m", "network": "10.0.0.0/24", "zz_probe": 1}}}))
    message = cli_error(cli, scratch, "validate", "--context", "c.json", "examples/hosts/edge-valid.json")
    assert declared("address-pool.schema.json", []) == serde_expected(message), message


def test_the_state_schema_declares_what_the_state_reader_takes(cli: Any, scratch: Path) -> None:
    run(cli, scratch, "allocate", "--state", "mgmt.json", "--pool", "examples/pool.json", "--host", "edge-1")
    state = load(scratch / "mgmt.json")
    for path, target in [([], state), (["rows"], state["rows"][0])]:
        target["zz_probe"] = 1
        (scratch / "probe.json").write_text(json.dumps(state))
        message = cli_error(cli, scratch, "addresses", "--state", "probe.json")
        assert declared("address-state.schema.json", path) == serde_expected(message), message
        del target["zz_probe"]


# Each input object, the document it lives in, and how to ask the CLI about it: the runner
# gets a file name holding the document and says whether the CLI called `key` unknown.
Runner = Callable[[Any, Path, str, str], bool]


def called_unknown(message: str, key: str) -> bool:
    """Whether a context, pool or state error calls `key` itself unknown (`hosts[0].key:
    unknown field`, serde's ``unknown field `key` ``), not a field inside it."""
    return re.search(rf"(^|[ .:]){key}: unknown field|unknown field `{key}`", message) is not None


def unknown_to_context(cli: Any, cwd: Path, name: str, key: str) -> bool:
    done = run(cli, cwd, "validate", "--context", name, "examples/hosts/edge-valid.json", status=(0, 1, 3))
    return called_unknown(done.stderr, key)


def unknown_to_request(*flags: str) -> Runner:
    def runner(cli: Any, cwd: Path, name: str, key: str) -> bool:
        unknown = True
        for profile in ("classic", "stx10"):  # known to either profile is known
            done = run(
                cli, cwd, "validate", "--format", "json", "--context", "examples/context.json",
                "--profile", profile, *flags, name, status=(0, 1),
            )
            codes = {(e["code"], e["field"]) for e in json.loads(done.stdout)["errors"]}
            unknown = unknown and ("request.unknown_field", key) in codes
        return unknown

    return runner


def unknown_to_plan(controller: str, nodes: str) -> Runner:
    def runner(cli: Any, cwd: Path, name: str, key: str) -> bool:
        files = {"controller": controller, "nodes": nodes}
        files["controller" if controller == "-" else "nodes"] = name
        done = run(cli, cwd, "plan", "--controller", files["controller"], "--nodes", files["nodes"], status=(0, 1, 3))
        return "plan.unknown_field" in done.stderr and f"{key}: is not a known field" in done.stderr

    return runner


def unknown_to_pool(cli: Any, cwd: Path, name: str, key: str) -> bool:
    (cwd / "fresh.json").unlink(missing_ok=True)
    done = run(cli, cwd, "allocate", "--state", "fresh.json", "--pool", name, "--host", "x", status=(0, 1, 3))
    return called_unknown(done.stderr, key)


def unknown_to_state(cli: Any, cwd: Path, name: str, key: str) -> bool:
    done = run(cli, cwd, "addresses", "--state", name, status=(0, 1, 3))
    return called_unknown(done.stderr, key)


CONTEXT = load(EXAMPLES / "context.json")
STATE = {"schema": 1, "version": 1, "pool": load(EXAMPLES / "pool.json"), "rows": [{"name": "edge-1-mgmt", "address": "192.168.204.9"}]}
EDGE = {"hostname": "edge-9", "personality": "edgeworker", "mgmt_mac": "08:00:27:bb:00:09"}

PROBES: List[Tuple[str, List[str], Any, List[Any], Runner]] = [
    # schema, object path in the schema, document, object path in the document, runner
    ("context.schema.json", [], CONTEXT, [], unknown_to_context),
    ("context.schema.json", ["system"], CONTEXT, ["system"], unknown_to_context),
    ("context.schema.json", ["mgmt_network"], CONTEXT, ["mgmt_network"], unknown_to_context),
    ("context.schema.json", ["mgmt_network", "pool"], CONTEXT, ["mgmt_network", "pool"], unknown_to_context),
    ("context.schema.json", ["hosts"], CONTEXT, ["hosts", 0], unknown_to_context),
    ("context.schema.json", ["addresses"], dict(CONTEXT, addresses=[{"name": "a-mgmt", "address": "192.168.204.99"}]), ["addresses", 0], unknown_to_context),
    ("context.schema.json", ["cluster_host_network"], {"cluster_host_network": {"pool": {"name": "cluster-host", "network": "192.168.206.0/24"}}}, ["cluster_host_network"], unknown_to_context),
    ("host-add-request.schema.json", [], EDGE, [], unknown_to_request()),
    ("host-update.schema.json", [], {"personality": "edgeworker"}, [], unknown_to_request("--update", "3c:ec:ef:10:20:07")),
    ("address-pool.schema.json", [], load(EXAMPLES / "pool.json"), [], unknown_to_pool),
    ("address-state.schema.json", [], STATE, [], unknown_to_state),
    ("address-state.schema.json", ["rows"], STATE, ["rows", 0], unknown_to_state),
    ("controller.schema.json", [], load(EXAMPLES / "plan" / "controller.json"), [], unknown_to_plan("-", "examples/plan/nodes.json")),
    ("controller.schema.json", ["proxy"], load(EXAMPLES / "plan" / "controller.json"), ["proxy"], unknown_to_plan("-", "examples/plan/nodes.json")),
    ("controller.schema.json", ["package_sources"], load(EXAMPLES / "plan" / "controller-airgapped.json"), ["package_sources"], unknown_to_plan("-", "examples/plan/nodes.json")),
    ("controller.schema.json", ["package_sources", "kubernetes_deb"], load(EXAMPLES / "plan" / "controller-airgapped.json"), ["package_sources", "kubernetes_deb"], unknown_to_plan("-", "examples/plan/nodes.json")),
    ("controller.schema.json", ["join"], dict(load(EXAMPLES / "plan" / "controller.json"), join={"token": "abcdef.0123456789abcdef", "ca_cert_hash": "sha256:" + "a" * 64}), ["join"], unknown_to_plan("-", "examples/plan/nodes.json")),
    ("nodes.schema.json", [], load(EXAMPLES / "plan" / "nodes.json"), [0], unknown_to_plan("examples/plan/controller.json", "-")),
    ("nodes.schema.json", ["os"], load(EXAMPLES / "plan" / "nodes.json"), [0, "os"], unknown_to_plan("examples/plan/controller.json", "-")),
]


@pytest.mark.parametrize("schema,path,document,at,runner", PROBES, ids=[f"{p[0]}:{'.'.join(p[1]) or '.'}" for p in PROBES])
def test_every_declared_property_is_known_and_an_undeclared_one_is_refused(
    cli: Any, scratch: Path, schema: str, path: List[str], document: Any, at: List[Any], runner: Runner
) -> None:
    obj_schema = object_at(schema, path)
    assert obj_schema.get("additionalProperties") is False, f"{schema} {path}: the code refuses unknown fields"

    def probe(key: str, value: Any) -> bool:
        doc = json.loads(json.dumps(document))
        target = doc
        for step in at:
            target = target[step]
        target[key] = value
        (scratch / "probe.json").write_text(json.dumps(doc))
        return runner(cli, scratch, "probe.json", key)

    assert probe("zz_probe", "x"), f"{schema} {path}: an unknown field was not refused"
    # A value of an unlikely type: a known field answers with its own error (or takes it),
    # never by calling it unknown.
    unknown = [key for key in sorted(obj_schema["properties"]) if probe(key, [[]])]
    assert not unknown, f"{schema} {path} declares fields the code does not know: {unknown}"
