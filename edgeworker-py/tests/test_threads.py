"""The module from many threads: same answers as one thread, and long core work runs with
the GIL released (other Python threads make progress meanwhile)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

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


def test_a_big_context_is_validated_with_the_gil_released():
    ctx = big_context(50_000)
    samples: List[float] = []
    window: Dict[str, float] = {}
    done = threading.Event()

    def worker() -> None:
        window["start"] = time.perf_counter()
        edgeworker.validate_host_add(edge(hostname="edge-new", mgmt_ip="10.200.0.1"), ctx)
        window["end"] = time.perf_counter()
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    while not done.is_set():
        samples.append(time.perf_counter())
    thread.join()
    start, end = window["start"], window["end"]
    # With the GIL held for the whole call, this thread could only run within a switch
    # interval (5 ms) of the call's ends; samples well inside it prove the release.
    margin = 0.012
    assert end - start > 3 * margin, f"call too short to judge: {end - start:.3f}s"
    inside = [t for t in samples if start + margin < t < end - margin]
    assert inside, f"no progress in {end - start:.3f}s of validation"
