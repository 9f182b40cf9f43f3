"""Engine benchmark: the rule engine against hand-written scorers, and memory as the input grows.

* Speed: 25,000 realistic audits scored as whole processes reading the same NDJSON file and writing NDJSON:
  ``oap score --format ndjson`` (all rules of national@2026.1); ``baseline_full`` (the twelve core rules
  written by hand, doing the same work per audit: validation and the full report); and ``baseline`` (the
  twelve rules written by hand with no validation and a minimal report). Time per rule evaluation = wall
  time ÷ (audits × rules the scorer evaluates). Also, in one process with no I/O or validation, the
  engine's rule evaluation against the lean hand-written rules.
* Memory: peak resident memory of ``oap score --format ndjson`` for 1,000 and 100,000 audits.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from api.rules.catalog import load_catalog
from api.service.demo import generate_audits

SPEED_AUDITS = 25_000
MEMORY_AUDITS = (1_000, 100_000)
STANDARDS = "national@2026.1"
CORE_RULES = 12


def write_audits(path: Path, count: int) -> Path:
    """An NDJSON file of ``count`` realistic audits."""
    with path.open("w", encoding="utf-8") as handle:
        for audit in generate_audits(count):
            handle.write(json.dumps(audit, separators=(",", ":")) + "\n")
    return path


GNU_TIME = "/usr/bin/time"  # Debian's package 'time'


def run_measured(command: list[str]) -> tuple[float, int]:
    """Run a command with output discarded; return its wall time in seconds and peak RSS in KiB.

    The peak is read by GNU time when it is installed: a child forked from this (large) process would otherwise
    count a copy of this process's memory in its own peak.
    """
    measured = [GNU_TIME, "-f", "%M", *command] if os.path.exists(GNU_TIME) else command
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        process = subprocess.Popen(measured, stdout=sink, stderr=subprocess.PIPE, close_fds=False)
        _, errors = process.communicate()
        status = process.returncode
        elapsed = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {status}: {errors.decode()[-500:]}")
    if measured is command:
        return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, int(errors.decode().strip().splitlines()[-1])


def best_of(runs: int, command: list[str]) -> tuple[float, int]:
    """The fastest of ``runs`` runs (and its peak memory)."""
    return min(run_measured(command) for _ in range(runs))


def run(workdir: Path) -> dict[str, Any]:
    """Run the engine benchmark and return its figures."""
    rules = len(load_catalog().get(STANDARDS).rules)
    speed_file = write_audits(workdir / "audits-25k.ndjson", SPEED_AUDITS)
    python = sys.executable
    score_cmd = [python, "-m", "api", "score", "--format", "ndjson", "--standards", STANDARDS]
    engine_seconds, _ = best_of(3, [*score_cmd, str(speed_file)])
    full_seconds, _ = best_of(3, [python, "-m", "tests.benchmarks.baseline_full", str(speed_file)])
    baseline_seconds, _ = best_of(3, [python, "-m", "tests.benchmarks.baseline", str(speed_file)])
    engine_per_rule = engine_seconds / (SPEED_AUDITS * rules)
    full_per_rule = full_seconds / (SPEED_AUDITS * CORE_RULES)
    baseline_per_rule = baseline_seconds / (SPEED_AUDITS * CORE_RULES)
    evaluation = in_process(speed_file, rules)
    memory = {}
    for count in MEMORY_AUDITS:
        path = write_audits(workdir / f"audits-{count}.ndjson", count)
        _, peak = run_measured(
            [python, "-m", "api", "score", str(path), "--format", "ndjson", "--standards", STANDARDS]
        )
        memory[count] = peak
    return {
        "audits": SPEED_AUDITS,
        "engine_rules": rules,
        "engine_seconds": engine_seconds,
        "full_seconds": full_seconds,
        "baseline_seconds": baseline_seconds,
        "engine_us_per_rule": engine_per_rule * 1e6,
        "full_us_per_rule": full_per_rule * 1e6,
        "baseline_us_per_rule": baseline_per_rule * 1e6,
        "ratio": engine_per_rule / full_per_rule,
        "lean_ratio": engine_per_rule / baseline_per_rule,
        **evaluation,
        "peak_kib": memory,
        "memory_ratio": memory[MEMORY_AUDITS[1]] / memory[MEMORY_AUDITS[0]],
    }


def in_process(path: Path, rules: int) -> dict[str, float]:
    """Rule evaluation alone, in one process: engine findings vs the lean hand-written rules (best of 3)."""
    from api.contract.validation import validate_audit
    from api.engine.scoring import Scorer
    from tests.benchmarks.baseline import score_audit

    with path.open("rb") as handle:
        raw = [json.loads(line) for _, line in zip(range(5_000), handle, strict=False)]
    standards = load_catalog().get(STANDARDS)
    audits = [validate_audit(item, questions=standards.questions) for item in raw]
    scorer = Scorer(standards)

    def best(work: Any) -> float:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            work()
            timings.append(time.perf_counter() - started)
        return min(timings)

    engine = best(lambda: [scorer.findings(audit) for audit in audits]) / (len(audits) * rules)
    hand = best(lambda: [score_audit(item) for item in raw]) / (len(raw) * CORE_RULES)
    return {"eval_engine_us": engine * 1e6, "eval_hand_us": hand * 1e6, "eval_ratio": engine / hand}


def report(figures: dict[str, Any]) -> str:
    """The figures as README-ready lines."""
    small, large = MEMORY_AUDITS
    peak_small, peak_large = (figures["peak_kib"][count] / 1024 for count in MEMORY_AUDITS)
    return "\n".join(
        [
            f"Engine vs hand-written scorers, {figures['audits']:,} audits, whole processes, best of 3:",
            f"  oap score --format ndjson   {figures['engine_seconds']:6.2f} s, {figures['engine_rules']} rules/audit: "
            f"{figures['engine_us_per_rule']:5.2f} µs per rule evaluation",
            f"  hand-written, same work     {figures['full_seconds']:6.2f} s, {CORE_RULES} rules/audit: "
            f"{figures['full_us_per_rule']:5.2f} µs per rule evaluation",
            f"  hand-written, lean          {figures['baseline_seconds']:6.2f} s, {CORE_RULES} rules/audit: "
            f"{figures['baseline_us_per_rule']:5.2f} µs per rule evaluation",
            f"  ratio engine / same work    {figures['ratio']:.2f}× (goal ≤ 1.5×)",
            f"  ratio engine / lean         {figures['lean_ratio']:.2f}×",
            f"  rule evaluation alone, in process: engine {figures['eval_engine_us']:.2f} µs, hand-written "
            f"{figures['eval_hand_us']:.2f} µs per rule, ratio {figures['eval_ratio']:.2f}×",
            f"Peak memory of oap score --format ndjson: {small:,} audits {peak_small:.1f} MiB, "
            f"{large:,} audits {peak_large:.1f} MiB, ratio {figures['memory_ratio']:.2f}× (goal ≤ 1.5×)",
        ]
    )
