#!/usr/bin/env python3
"""Turns Google Benchmark's JSON output (medians of repetitions) into the
Markdown tables scripts/bench prints: ours / Asio for each pair, and each
style / stage 1 for the whole workflow. Standard library only.

Usage: ratios.py MACHINE_LINE FILE.json...
"""
import json
import re
import sys

# (what is measured, our benchmark, the one it is compared with, metric)
# metric "time": CPU nanoseconds per item; "bytes": live heap bytes per item.
PAIRS = [
    ("post, 1000 chains re-posting themselves", "post_1000_chains/evo", "post_1000_chains/asio", "time"),
    ("post, depth-1 chain, nothing else pending", "post_depth1/evo", "post_depth1/asio", "time"),
    ("the same, our loop on the virtual clock", "post_depth1_virtual_clock/evo", "post_depth1/asio", "time"),
    ("post, depth-1 chain, an idle timer armed", "post_depth1_idle_timer/evo", "post_depth1_idle_timer/asio", "time"),
    ("post, depth-1 chain, an idle fd watched", "post_depth1_idle_fd/evo", "post_depth1_idle_fd/asio", "time"),
    ("1,000,000 random timers armed and fired", "timers_arm_fire_1M/evo", "timers_arm_fire_1M/asio", "time"),
    ("1,000,000 random timers armed", "timers_arm_1M/evo", "timers_arm_1M/asio", "time"),
    ("1,000,000 timers cancelled (and drained)", "timers_cancel_1M/evo", "timers_cancel_1M/asio", "time"),
    ("bytes per in-flight callback timer", "bytes_per_timer/evo", "bytes_per_timer/asio", "bytes"),
    ("fd ping-pong on a socketpair, vs Asio async_wait", "fd_ping_pong/evo", "fd_ping_pong/asio_async_wait", "time"),
    ("fd ping-pong on a socketpair, vs Asio async_read_some", "fd_ping_pong/evo", "fd_ping_pong/asio_read_some", "time"),
    ("stage 2 `then` on a ready future, vs calling a stage 1 handler", "ready_value/then", "ready_value/callback", "time"),
    ("stage 2 hop through the loop (post + then), vs Asio's post hop", "hop_through_loop/then", "post_depth1/asio", "time"),
    ("stage 2 hop through the loop (post + then), vs our callback hop", "hop_through_loop/then", "post_depth1/evo", "time"),
    ("stage 3 `co_await` through the loop (post), vs asio::awaitable", "co_await_post/evo", "co_await_post/asio", "time"),
    ("stage 3 `co_await sleep_for(0)`, vs a zero steady_timer", "co_await_sleep0/evo", "co_await_sleep0/asio", "time"),
    ("bytes per suspended coroutine (waiting on a timer)", "bytes_per_coroutine/evo", "bytes_per_coroutine/asio", "bytes"),
]

STYLES = ["stage1", "stage2", "stage3", "asio_callbacks"]


def load(paths):
    """name -> median aggregate (the /iterations:N suffix dropped)."""
    found = {}
    for path in paths:
        with open(path) as f:
            text = f.read()
        if not text.strip():
            continue  # a bench binary whose --benchmark_filter matched nothing writes nothing
        data = json.loads(text)
        for run in data.get("benchmarks", []):
            if run.get("run_type") == "aggregate" and run.get("aggregate_name") != "median":
                continue
            name = re.sub(r"/iterations:\d+", "", run.get("run_name", run["name"]))
            if "error_occurred" in run:
                print(f"ratios: {name} failed: {run.get('error_message')}", file=sys.stderr)
                continue
            # A median beats a single run; a single run beats nothing.
            if run.get("run_type") == "aggregate" or name not in found:
                found[name] = run
    return found


def ns_per_item(run):
    return 1e9 / run["items_per_second"]


def value(run, metric):
    return ns_per_item(run) if metric == "time" else run["live_bytes_per_item"]


def show(x, metric):
    if metric == "bytes":
        return f"{x:.0f} B"
    return f"{x:.1f} ns" if x < 1000 else f"{x / 1000:.2f} µs"


def allocs(run):
    return f"{run.get('allocs_per_item', 0):.2f}"


def pair_table(runs):
    lines = [
        "| work | ours | compared with | ratio | allocations per item (ours, compared) |",
        "|---|---:|---:|---:|---|",
    ]
    for what, ours, theirs, metric in PAIRS:
        if ours not in runs or theirs not in runs:
            continue
        a, b = value(runs[ours], metric), value(runs[theirs], metric)
        alloc = "" if metric == "bytes" else f"{allocs(runs[ours])}, {allocs(runs[theirs])}"
        lines.append(f"| {what} | {show(a, metric)} | {show(b, metric)} | {a / b:.2f}x | {alloc} |")
    return "\n".join(lines)


def workflow_table(runs):
    lines = [
        "| fan-out | users | CPU time | per user | allocations per user | peak heap per user "
        "| CPU / stage 1 | CPU / Asio callbacks | peak heap / Asio callbacks |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sizes = sorted({int(n.split("/")[2]) for n in runs if n.startswith("fan_out/")})
    for users in sizes:
        base = runs.get(f"fan_out/stage1/{users}")
        asio = runs.get(f"fan_out/asio_callbacks/{users}")
        for style in STYLES:
            run = runs.get(f"fan_out/{style}/{users}")
            if run is None:
                continue
            per_user = ns_per_item(run)
            total_ms = per_user * users / 1e6
            peak = run["peak_bytes_per_item"]
            vs_base = f"{per_user / ns_per_item(base):.2f}x" if base else ""
            vs_asio = f"{per_user / ns_per_item(asio):.2f}x" if asio else ""
            mem_asio = f"{peak / asio['peak_bytes_per_item']:.2f}x" if asio else ""
            lines.append(
                f"| {style} | {users:,} | {total_ms:.0f} ms | {show(per_user, 'time')} "
                f"| {run.get('allocs_per_item', 0):.1f} | {peak:.0f} B | {vs_base} | {vs_asio} | {mem_asio} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3:
        print("usage: ratios.py MACHINE_LINE FILE.json...", file=sys.stderr)
        return 64
    runs = load(sys.argv[2:])
    if not runs:
        print("ratios: no benchmark results in " + " ".join(sys.argv[2:]), file=sys.stderr)
        return 1
    print(sys.argv[1])
    # A table only if a row of it ran (a filter may have left it empty).
    pairs, workflows = pair_table(runs), workflow_table(runs)
    if pairs.count("\n") > 1:
        print()
        print("Side by side (CPU time per item, medians; > 1x means ours is slower or bigger):")
        print()
        print(pairs)
    if workflows.count("\n") > 1:
        print()
        print("The whole workflow per style (fan-out on the virtual clock; Asio: timers already due):")
        print()
        print(workflows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
