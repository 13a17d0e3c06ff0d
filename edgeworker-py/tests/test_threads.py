"""The module from many threads: same answers as one thread, and long core work runs with
the GIL released (other Python threads make progress meanwhile)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

import edgeworker
from edgeworker import HostValidationError

from conftest import CONTROLLERS, context, edge


def big_context(hosts: int) -> Dict[str, Any]:
    """A static context with `hosts` edgeworkers in a /16."""
    edges = [
        {
            "hostname": f"edge-{i}",
            "personality": "edgeworker",
            "subfunctions": "edgeworker",
            "mgmt_mac": "02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
            "mgmt_ip": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255),
        }
        for i in range(10, 10 + hosts)
    ]
    return context(
        mgmt_network={"dynamic": False, "pool": {"name": "management", "network": "10.0.0.0/8"}},
        hosts=CONTROLLERS + edges,
        addresses=[],
    )


def outcome(request: Dict[str, Any], ctx: Any) -> Any:
    try:
        return edgeworker.validate_host_add(request, ctx)
    except HostValidationError as err:
        return ("rejected", err.errors, err.warnings)


def test_many_threads_answer_as_one():
    ctx = big_context(200)
    requests: List[Dict[str, Any]] = []
    for i in range(400):
        requests.append(edge(hostname=f"edge-{i}", mgmt_mac="08:00:27:cc:%02x:%02x" % (i >> 8, i & 255),
                             mgmt_ip="10.1.%d.%d" % (i >> 8, i & 255)))
    expected = [outcome(r, ctx) for r in requests]
    assert any(isinstance(e, tuple) for e in expected) and any(isinstance(e, dict) for e in expected)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda r: outcome(r, ctx), requests))
    assert got == expected


def assert_runs_without_the_gil(call: Callable[[], Any]) -> None:
    """Runs `call` in a thread while this one spins, and asserts this one made progress
    well inside the call. With the GIL held for the whole call, this thread could only run
    within a switch interval (5 ms) of the call's ends."""
    samples: List[float] = []
    window: Dict[str, float] = {}
    done = threading.Event()

    def worker() -> None:
        window["start"] = time.perf_counter()
        call()
        window["end"] = time.perf_counter()
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    while not done.is_set():
        samples.append(time.perf_counter())
    thread.join()
    start, end = window["start"], window["end"]
    margin = 0.012
    assert end - start > 3 * margin, f"call too short to judge: {end - start:.3f}s"
    inside = [t for t in samples if start + margin < t < end - margin]
    assert inside, f"no progress during {end - start:.3f}s of core work"


def test_a_big_context_is_indexed_with_the_gil_released():
    # A dict passed to validate one request is only scanned (Python objects: with the GIL)
    # and its few hosts that matter converted; reading a whole snapshot is `Context(dict)`,
    # whose indexing runs without the GIL.
    ctx = big_context(50_000)
    assert_runs_without_the_gil(lambda: edgeworker.Context(ctx))


def test_a_plan_for_many_nodes_is_built_with_the_gil_released():
    from test_plan import controller, nodes

    facts = dict(controller(), mgmt_subnet="10.0.0.0/8", mgmt_floating_address="10.0.0.2", apiserver="10.0.0.2:6443",
                 dns_servers=["10.0.0.2"], ntp_servers=["10.0.0.2"])
    template = nodes()[0]
    fleet = [dict(template, hostname=f"edge-{i}", mgmt_ip="10.1.%d.%d" % (i >> 8, i & 255),
                  mgmt_mac="02:00:00:00:%02x:%02x" % (i >> 8, i & 255)) for i in range(3000)]
    assert_runs_without_the_gil(lambda: edgeworker.plan(facts, fleet).to_json())


def test_eight_threads_share_one_pool_without_handing_out_an_address_twice():
    pool = edgeworker.AddressPool("management", "10.0.0.0/16")
    names = [f"edge-{t}-{i}-mgmt" for t in range(8) for i in range(500)]

    def allocate_batch(t: int) -> List[str]:
        return [pool.allocate(f"edge-{t}-{i}-mgmt") for i in range(500)]

    with ThreadPoolExecutor(max_workers=8) as executor:
        batches = list(executor.map(allocate_batch, range(8)))
    addresses = [a for batch in batches for a in batch]
    assert len(addresses) == 4000 == len(set(addresses))
    assert len(pool) == 4000
    assert pool.free_count() == 65534 - 4000
    assert dict(pool.rows()) == dict(zip(names, addresses))


def test_threads_race_for_the_last_addresses():
    pool = edgeworker.AddressPool("tiny", "10.0.0.0/28")  # 14 addresses

    def grab(i: int) -> Any:
        try:
            return pool.allocate(f"h{i}-mgmt")
        except edgeworker.PoolExhaustedError:
            return None

    with ThreadPoolExecutor(max_workers=8) as executor:
        got = list(executor.map(grab, range(64)))
    won = [a for a in got if a is not None]
    assert len(won) == 14 == len(set(won))
    assert pool.free_count() == 0


def test_plans_build_in_threads():
    from test_plan import controller, nodes

    expected = edgeworker.plan(controller(), nodes()).to_json()
    with ThreadPoolExecutor(max_workers=4) as executor:
        got = list(executor.map(lambda _: edgeworker.plan(controller(), nodes()).to_json(), range(16)))
    assert got == [expected] * 16


def test_write_ansible_from_many_threads_into_one_directory(tmp_path):
    """Issue 12: 64 calls from 16 threads into one directory all succeed and leave exactly
    the rendered files (temporary names are per call; no call removes another's)."""
    from test_plan import controller, nodes

    plan = edgeworker.plan(controller(), nodes())
    out = tmp_path / "ansible"
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: plan.write_ansible(out), range(64)))
    assert results == [None] * 64
    assert sorted(p.name for p in out.iterdir()) == ["ansible.cfg", "inventory.yml", "playbook.yml"]
