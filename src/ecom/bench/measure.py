"""What a benchmark step's time and memory are read from.

Each measured step runs in its own child process (``ecom.bench.worker``) so that wall time and
peak RSS belong to that step alone. The child reports its own peak (``VmHWM``, and its children's
``ru_maxrss``): the ``ru_maxrss`` that ``wait4`` gives the parent starts from the parent's own
peak when the child is spawned with ``vfork``, as Python's subprocess does. A dbt step also
samples dbt's RSS every ``RSS_SAMPLE_SECONDS``, so the report can say which models were running
when it was highest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ecom.paths import DataDir

# How often a dbt step's RSS is read while it runs: often enough to say which nodes were running
# when it was highest (a step's VmHWM gives the peak, not when or in which model).
RSS_SAMPLE_SECONDS = 0.5


@dataclass
class Measurement:
    step: str
    seconds: float
    peak_rss_mb: float
    rows: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def measure(step: str, args: list[str], rows: int = 0) -> tuple[Measurement, dict[str, object]]:
    """Run one worker step in a child; its measurement, and everything the step reported.

    Peak RSS is the child's own (VmHWM) or, where higher, the highest sampled RSS of the child
    and its children together (a Spark step's JVM is a child of the worker).
    """
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ecom.bench.worker", *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    tree_peak = [0.0]
    sampler = threading.Thread(target=_watch_tree, args=(proc.pid, tree_peak), daemon=True)
    sampler.start()
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    sampler.join()
    seconds = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        # The child's stdout is captured for its report line: keep the error it printed.
        errors = [line.strip() for line in out.splitlines() if "error" in line.lower()]
        reason = f": {errors[-1][:300]}" if errors else ""
        raise RuntimeError(f"benchmark step {step} failed with exit {proc.returncode}{reason}")
    reported = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    peak_mb = max(reported.get("peak_rss_mb", usage.ru_maxrss / 1024), tree_peak[0])
    return Measurement(step, reported.get("seconds", seconds), peak_mb, reported.get("rows", rows)), reported


def tree_rss_mb(pid: int) -> float:
    """The RSS of a process and all its descendants together, in MB (0 where /proc is missing)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        rss[child] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in tree) / 2**20


def _watch_tree(pid: int, peak: list[float], interval: float = RSS_SAMPLE_SECONDS) -> None:
    """Keep the highest tree_rss_mb of ``pid`` in ``peak[0]`` until the process is gone."""
    while Path(f"/proc/{pid}").exists():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        peak[0] = max(peak[0], tree_rss_mb(pid))
        time.sleep(interval)


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it started, and that of the largest child it waited for."""
    import resource

    own_kb = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                own_kb = int(line.split()[1])
    except OSError:  # not Linux: the rusage figure, which may include the parent's peak
        own_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def model_times(data: DataDir) -> tuple[dict[str, float], dict[str, float], dict[str, tuple[float, float]]]:
    """Per model of the last dbt invocation (target/run_results.json): its seconds, slowest
    first, and the seconds another node ran beside it; and every node's execute span."""
    results = json.loads((data.root / "dbt" / "target" / "run_results.json").read_text())["results"]
    seconds = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in sorted(results, key=lambda r: -r["execution_time"])
        if r["unique_id"].startswith("model.")
    }
    spans: dict[str, tuple[float, float]] = {}
    for r in results:
        execute = [t for t in r.get("timing", []) if t["name"] == "execute" and t.get("started_at")]
        if execute:
            spans[r["unique_id"]] = (
                datetime.fromisoformat(execute[0]["started_at"]).timestamp(),
                datetime.fromisoformat(execute[0]["completed_at"]).timestamp(),
            )
    beside = {uid.split(".")[-1]: t for uid, t in beside_seconds(spans).items() if uid.startswith("model.")}
    return seconds, beside, spans


def sample_rss(proc: subprocess.Popen[bytes], interval: float = RSS_SAMPLE_SECONDS) -> list[tuple[float, float]]:
    """(Unix time, RSS in MB) of a running process every ``interval`` seconds, until it exits."""
    status = Path(f"/proc/{proc.pid}/status")
    samples: list[tuple[float, float]] = []
    while proc.poll() is None:
        try:
            rss_kb = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS:"))
        except (OSError, StopIteration):  # exiting, or not Linux: nothing to read
            rss_kb = 0
        if rss_kb:
            samples.append((round(time.time(), 2), round(rss_kb / 1024, 1)))
        time.sleep(interval)
    return samples


def rss_by_node(
    spans: dict[str, tuple[float, float]], samples: list[tuple[float, float]]
) -> tuple[dict[str, float], dict[str, object]]:
    """The highest RSS sampled while each node ran (nodes with no sample in their span are left
    out), and the step's highest sample with the nodes running at that moment.

    The process is shared: a model's figure is the whole process's RSS while it ran, what ran
    beside it included, so the peak names every node that was running, not one culprit.
    """
    per_node: dict[str, float] = {}
    for node, (start, end) in spans.items():
        inside = [mb for t, mb in samples if start <= t <= end]
        if inside:
            per_node[node] = max(inside)
    if not samples:
        return per_node, {}
    at, mb = max(samples, key=lambda s: s[1])
    running = sorted(node for node, (start, end) in spans.items() if start <= at <= end)
    return per_node, {"rss_mb": mb, "running": running}


def memory_by_model(spans: dict[str, tuple[float, float]], reported: dict[str, object]) -> dict[str, object]:
    """A dbt step's sampled RSS in the report's terms: the highest while each model ran, and the
    step's highest sample with the nodes (models and tests) running then."""
    samples: list[tuple[float, float]] = reported.get("rss_samples", [])  # type: ignore[assignment]
    per_node, peak = rss_by_node(spans, samples)
    if not peak:
        return {}
    running: list[str] = peak["running"]  # type: ignore[assignment]
    return {
        "model_peak_rss_mb": {short_name(n): mb for n, mb in per_node.items() if n.startswith("model.")},
        "peak_sample": peak | {"running": [short_name(n) for n in running]},
    }


def while_running(memory: dict[str, object]) -> str:
    """'; highest sampled RSS N MB while `a`, `b` ran' for a report or progress line; '' without samples."""
    peak: dict[str, object] = memory.get("peak_sample", {})  # type: ignore[assignment]
    if not peak:
        return ""
    running: list[str] = peak["running"]  # type: ignore[assignment]
    return (f"; highest sampled RSS {peak['rss_mb']:,.0f} MB while "
            + (", ".join(f"`{n}`" for n in running) if running else "no node") + " ran")


def short_name(node: str) -> str:
    """A node's name for the report: the last part of its unique id, except for a generic data
    test, whose id ends in a hash (``test.ecom.not_null_x_y.1a2b3c4d5e``): its test name."""
    parts = node.split(".")
    if parts[0] == "test" and len(parts) > 3:
        return parts[2]
    return parts[-1]


def beside_seconds(spans: dict[str, tuple[float, float]]) -> dict[str, float]:
    """For each (start, end) span, how long at least one other span overlapped it.

    With two dbt threads a model's seconds are wall-clock seconds, and a model that shared the
    two cores with another one for most of its run reads up to twice as slow as it would alone:
    this says for how long it did, so two builds' times of one model can be compared.
    """
    result: dict[str, float] = {}
    for name, (start, end) in spans.items():
        covered, reach = 0.0, start
        for other_start, other_end in sorted(
            (max(a, start), min(b, end)) for other, (a, b) in spans.items() if other != name and a < end and b > start
        ):
            if other_end > reach:
                covered += other_end - max(other_start, reach)
                reach = other_end
        result[name] = covered
    return result
