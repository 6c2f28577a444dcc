#!/usr/bin/env python3
"""Prints criterion medians and each store's ratio to the named peers, from target/criterion."""
import glob, json, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
groups = {}
for f in glob.glob(os.path.join(root, "**/new/estimates.json"), recursive=True):
    parts = os.path.relpath(f, root).split(os.sep)[:-2]
    group, name = "/".join(parts[:-1]), parts[-1]
    groups.setdefault(group, {})[name] = json.load(open(f))["median"]["point_estimate"] / 1e3
for group in sorted(groups):
    rows = groups[group]
    mine = ("pool", "arena", "shuffler", "binned", "small_pool", "sync_pool")
    ours = next((rows[k] for k in mine if k in rows), None)
    line = f"{group:32s}" + "".join(f" {k}={v:9.1f}us" for k, v in sorted(rows.items()))
    if ours is not None:
        peers = {k: v for k, v in rows.items() if k not in mine}
        line += "".join(f"  ours/{k}={ours / v:.2f}x" for k, v in sorted(peers.items()))
    print(line)
