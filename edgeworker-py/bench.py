"""Python-level benchmark of the edgeworker binding, against baselines measured in the same run.

    python edgeworker-py/bench.py            # needs the wheel installed (scripts/test-python)
    python edgeworker-py/bench.py --quick    # 10,000 hosts and a /22, for a smoke run
    python edgeworker-py/bench.py --contexts-only   # only 3.

1. validate_host_add on 100,000 distinct hosts (no context: the empty system), per call, against
   the cheapest call into the module (``supports``: two str arguments, one bool back), which
   is the floor any pyo3 function pays. Target: per-call overhead under 5 µs.
2. Filling a /20 management pool, one allocation per host, against a plain-Python baseline
   doing what sysinv's conductor does: rebuild the free set from every address row on each
   allocation, then pick from it. Target: at least 100x faster.
3. validate_host_add against contexts of 0, 200, 2,000 and 20,000 hosts, shaped as sysinv's
   conductor builds them from its database (the same shape as the criterion benchmark's,
   ``edgeworker_benches::context``): the dict passed on every call, and one
   ``edgeworker.Context`` built once and reused; against a plain-Python sysinv-style
   implementation of checks 10-12 (duplicate hostname, mgmt_ip and mgmt_mac over the host
   dicts, with list comprehensions as sysinv's ``_do_post`` does) over the same dicts.
   Targets: dict every call faster than the plain-Python checks and at most 1 µs per host;
   reused Context at most 5 µs a call at every size.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import edgeworker


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of `repeats` runs, in seconds (the least disturbed by the other work on
    a shared machine)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def requests(count: int) -> List[Dict[str, str]]:
    return [
        {
            "hostname": f"edge-{i}",
            "personality": "edgeworker",
            "mgmt_mac": "02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
            "console": "ttyS0,115200",
        }
        for i in range(count)
    ]


def bench_validation(count: int, repeats: int) -> Dict[str, float]:
    hosts = requests(count)
    validate = edgeworker.validate_host_add
    supports = edgeworker.supports

    def run_validate() -> None:
        for request in hosts:
            validate(request)

    def run_floor() -> None:
        for _ in hosts:
            supports("edgeworker", "lock")

    def run_loop() -> None:
        for _ in hosts:
            pass

    assert validate(hosts[0])["effect"] == "create"
    loop = best_of(repeats, run_loop) / count
    per_call = best_of(repeats, run_validate) / count - loop
    floor = best_of(repeats, run_floor) / count - loop
    return {"validate": per_call, "floor": floor}


def sysinv_allocate(network: ipaddress.IPv4Network, rows: Dict[str, str], name: str, rng: random.Random) -> str:
    """sysinv's way: every allocation lists the rows, builds the free set, and picks."""
    used = set(rows.values())
    free = [str(ip) for ip in network.hosts() if str(ip) not in used]
    if not free:
        raise RuntimeError("exhausted")
    address = free[rng.randrange(len(free))]
    rows[name] = address
    return address


def bench_pool(prefix: str, repeats: int) -> Dict[str, float]:
    network = ipaddress.IPv4Network(prefix)
    size = network.num_addresses - 2

    def fill_binding() -> None:
        pool = edgeworker.AddressPool("management", str(network))
        for i in range(size):
            pool.allocate(f"edge-{i}-mgmt")
        assert pool.free_count() == 0

    def fill_baseline() -> None:
        rows: Dict[str, str] = {}
        rng = random.Random(7)
        for i in range(size):
            sysinv_allocate(network, rows, f"edge-{i}-mgmt", rng)
        assert len(set(rows.values())) == size

    binding = best_of(repeats, fill_binding)
    baseline = best_of(1, fill_baseline)
    return {"binding": binding, "baseline": baseline, "size": size}


CONTEXT_SIZES = (0, 200, 2_000, 20_000)
CONTEXT_REQUEST = {"hostname": "edge-new", "personality": "edgeworker", "mgmt_mac": "3c:ec:ef:10:20:02"}


def sysinv_context(hosts: int) -> Dict[str, Any]:
    """A context of `hosts` hosts with every field set: two unlocked controllers, then
    edgeworkers; one `<host>-mgmt` row per host plus `controller-mgmt`; dynamic 10.8.0.0/16."""
    records: List[Dict[str, Any]] = []
    for i in range(hosts):
        name, personality = (f"controller-{i}", "controller") if i < 2 else (f"edge-{i}", "edgeworker")
        records.append({
            "hostname": name, "personality": personality, "subfunctions": personality,
            "mgmt_mac": "02:%02x:%02x:%02x:%02x:01" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255),
            "mgmt_ip": f"10.8.{(i + 3) // 256}.{(i + 3) % 256}", "bm_ip": None,
            "uuid": "5c0f4a6e-8a1b-4f6e-9d3c-%012x" % i,
            "invprovision": "provisioned", "administrative": "unlocked",
            "operational": "enabled", "availability": "available",
        })
    rows = [{"name": "controller-mgmt", "address": "10.8.0.2"}]
    rows += [{"name": f"{h['hostname']}-mgmt", "address": h["mgmt_ip"]} for h in records]
    return {
        "system": {"mode": "duplex", "type": "Standard"},
        "mgmt_network": {"dynamic": True, "pool": {"name": "management", "network": "10.8.0.0/16", "order": "random"}},
        "hosts": records,
        "addresses": rows,
    }


def sysinv_checks(request: Dict[str, Any], hosts: List[Dict[str, Any]]) -> Optional[str]:
    """Checks 10-12 the way sysinv's `_do_post` makes them: lists built from every host on
    every request, then membership tests."""
    personality = request.get("personality")
    if personality not in ("controller", "storage"):
        hostnames = [h["hostname"] for h in hosts]
        if request.get("hostname") in hostnames:
            return "Host-add Rejected: Hostname already exists"
        ips = [h["mgmt_ip"] for h in hosts]
        if request.get("mgmt_ip") and request["mgmt_ip"] in ips:
            return "Host-add Rejected: Host with mgmt_ip %s already exists" % request["mgmt_ip"]
    mac = request["mgmt_mac"].lower()
    same_mac = [h for h in hosts if h["mgmt_mac"].lower() == mac and (h["hostname"] or h["personality"])]
    if same_mac:
        return "Host-add Rejected: Host with mgmt_mac %s already exists" % request["mgmt_mac"]
    return None


def per_call(seconds: float, calls: int, run: Callable[[], object]) -> float:
    """Seconds a call, the best of several passes of about `seconds` each."""
    start = time.perf_counter()
    run()
    once = max(time.perf_counter() - start, 1e-7)
    loops = max(1, int(seconds / once))
    best = float("inf")
    for _ in range(calls):
        start = time.perf_counter()
        for _ in range(loops):
            run()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def bench_contexts(seconds: float) -> List[Dict[str, float]]:
    validate = edgeworker.validate_host_add
    results = []
    for hosts in CONTEXT_SIZES:
        ctx = sysinv_context(hosts)
        shared = edgeworker.Context(ctx)
        assert validate(CONTEXT_REQUEST, ctx) == validate(CONTEXT_REQUEST, shared)
        assert sysinv_checks(CONTEXT_REQUEST, ctx["hosts"]) is None
        results.append({
            "hosts": hosts,
            "dict": per_call(seconds, 3, lambda: validate(CONTEXT_REQUEST, ctx)),
            "context": per_call(seconds, 3, lambda: validate(CONTEXT_REQUEST, shared)),
            "build": per_call(seconds, 3, lambda: edgeworker.Context(ctx)),
            "python": per_call(seconds, 3, lambda: sysinv_checks(CONTEXT_REQUEST, ctx["hosts"])),
        })
    return results


def print_contexts(results: List[Dict[str, float]]) -> None:
    print("validate_host_add against a context of N hosts (µs a call; baseline: plain-Python checks 10-12)")
    print(f"{'hosts':>7} {'baseline':>10} {'dict':>10} {'/host':>7} {'vs base':>8} {'Context':>8} {'vs base':>8} {'Context()':>10}")
    for r in results:
        n = r["hosts"]
        per_host = f"{r['dict'] / n * 1e6:.2f}" if n else "-"
        print(f"{n:>7,} {r['python'] * 1e6:>10.2f} {r['dict'] * 1e6:>10.2f} {per_host:>7} "
              f"{r['dict'] / r['python']:>7.2f}x {r['context'] * 1e6:>8.2f} {r['context'] / r['python']:>7.2f}x "
              f"{r['build'] * 1e6:>10.1f}")
    dict_faster = all(r["dict"] < r["python"] for r in results)
    dict_per_host = all(r["dict"] / r["hosts"] <= 1e-6 for r in results if r["hosts"])
    reused = all(r["context"] <= 5e-6 for r in results)
    print(f"  targets: dict faster than the plain-Python checks at every size: {'met' if dict_faster else 'NOT met'}; "
          f"dict <= 1 µs a host: {'met' if dict_per_host else 'NOT met'}; "
          f"reused Context <= 5 µs a call: {'met' if reused else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer hosts and repetitions")
    parser.add_argument("--contexts-only", action="store_true", help="only the context-size benchmark")
    args = parser.parse_args()
    count, repeats, prefix = (10_000, 2, "10.8.0.0/22") if args.quick else (100_000, 5, "10.8.0.0/20")

    print(f"edgeworker {edgeworker.__version__}, Python {sys.version.split()[0]}")
    print_contexts(bench_contexts(0.05 if args.quick else 0.3))
    if args.contexts_only:
        return 0
    v = bench_validation(count, repeats)
    print(f"validate_host_add, {count:,} hosts: {v['validate'] * 1e6:.2f} µs per call "
          f"({1 / v['validate']:,.0f} hosts/s)")
    print(f"  floor (supports(), the cheapest module call): {v['floor'] * 1e6:.2f} µs per call")
    print(f"  validate_host_add / floor: {v['validate'] / v['floor']:.1f}x; "
          f"target: per-call overhead < 5 µs: {'met' if v['validate'] < 5e-6 else 'NOT met'} "
          f"(the whole call, core work included, is the bound)")

    p = bench_pool(prefix, repeats)
    ratio = p["baseline"] / p["binding"]
    print(f"/{prefix.split('/')[1]} fill, {p['size']:,} allocations: binding {p['binding'] * 1e3:.1f} ms "
          f"({p['binding'] / p['size'] * 1e6:.2f} µs each), sysinv-style baseline "
          f"{p['baseline']:.2f} s")
    print(f"  baseline / binding: {ratio:,.0f}x faster; target >= 100x: {'met' if ratio >= 100 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
