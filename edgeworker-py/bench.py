"""Python-level benchmark of the edgeworker binding, against baselines measured in the same run.

    python edgeworker-py/bench.py            # needs the wheel installed (scripts/test-python)
    python edgeworker-py/bench.py --quick    # 10,000 hosts and a /22, for a smoke run

1. validate_host_add on 100,000 distinct hosts (the built-in context), per call, against
   the cheapest call into the module (``supports``: two str arguments, one bool back), which
   is the floor any pyo3 function pays. Target: per-call overhead under 5 µs.
2. Filling a /20 management pool, one allocation per host, against a plain-Python baseline
   doing what sysinv's conductor does: rebuild the free set from every address row on each
   allocation, then pick from it. Target: at least 100x faster.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
import time
from typing import Callable, Dict, List

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer hosts and repetitions")
    args = parser.parse_args()
    count, repeats, prefix = (10_000, 2, "10.8.0.0/22") if args.quick else (100_000, 5, "10.8.0.0/20")

    print(f"edgeworker {edgeworker.__version__}, Python {sys.version.split()[0]}")
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
