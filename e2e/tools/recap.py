#!/usr/bin/env python3
"""Reads an ansible-playbook log (default callback) and reports per host.

Usage: recap.py LOG summary HOST...   one "HOST ok=N changed=N failed=N ..." per host
       recap.py LOG changed HOST      the tasks that reported changed on HOST
       recap.py LOG failed            "HOST | TASK | message" for every failed task
       recap.py LOG field HOST NAME   one number of HOST's PLAY RECAP line (missing: -1)
"""
import re
import sys


def parse(path):
    recap, changed, failed = {}, {}, []
    task = None
    in_recap = False
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$", line)
        if m:
            task = m.group(1)
            continue
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if in_recap:
            m = re.match(r"^(\S+)\s+:\s+(.*)$", line)
            if m:
                recap[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
            continue
        m = re.match(r"^changed: \[([^\]]+?)(?: -> [^\]]+)?\]", line)
        if m:
            changed.setdefault(m.group(1), [])
            if task not in changed[m.group(1)]:
                changed[m.group(1)].append(task)
        m = re.match(r"^(?:fatal|failed): \[([^\]]+?)(?: -> [^\]]+)?\](?: \(item=.*?\))?: (?:FAILED!|UNREACHABLE!) => (.*)$", line)
        if m:
            text = m.group(2)
            msg = re.search(r'"msg": "((?:[^"\\]|\\.)*)"', text)
            err = re.search(r'"stderr": "((?:[^"\\]|\\.)*)"', text)
            detail = (msg.group(1) if msg else "") + (" | stderr: " + err.group(1) if err and err.group(1) else "")
            failed.append((m.group(1), task, (detail or text)[:400]))
    return recap, changed, failed


def main():
    path, what = sys.argv[1], sys.argv[2]
    recap, changed, failed = parse(path)
    if what == "summary":
        out = []
        for host in sys.argv[3:]:
            r = recap.get(host)
            if r is None:
                out.append("%s no-recap" % host)
                continue
            extra = "".join(" %s=%d" % (k, r.get(k, 0)) for k in ("unreachable", "rescued") if r.get(k))
            out.append("%s ok=%d changed=%d failed=%d%s" % (host, r.get("ok", 0), r.get("changed", 0),
                                                           r.get("failed", 0), extra))
        print("; ".join(out))
    elif what == "changed":
        for t in changed.get(sys.argv[3], []):
            print(t)
    elif what == "failed":
        for host, task, msg in failed:
            print("%s | %s | %s" % (host, task, msg))
    elif what == "field":
        print(recap.get(sys.argv[3], {}).get(sys.argv[4], -1))


if __name__ == "__main__":
    main()
