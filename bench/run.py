"""convcalc's speed and memory budgets (issue 11), measured as whole processes, side by side with bare Python.

    .venv/bin/python bench/run.py [--quick] [--runs N] [--torch-python PATH] [--fuzz-minutes N] [--no-bench]

Every line is one command run as a user runs it (the venv's ``convcalc`` entry point, output to /dev/null):
the median wall-clock time of N interleaved runs (interleaved so that a change in the machine's load hits
every command of a comparison alike), its CPU time (user + system), the process's own peak memory, and the
budget of issue 11 it is held to with PASS or FAIL. Exit status 0 when every budget is met, 1 otherwise.

Peak memory is the child's own ``VmHWM`` (/proc/PID/status), written at exit by a ``sitecustomize`` hook put
on the child's PYTHONPATH for the memory runs only (the timed runs run without it). ``ru_maxrss`` is not used:
a forked child inherits its parent's high-water mark across fork and exec.

``--torch-python`` is a Python with torch, torchvision and torchinfo (default: $CONVCALC_BENCH_TORCH_PYTHON,
else this Python): the line "vs torch + torchinfo" builds torchvision's GoogLeNet and summarises it with
torchinfo in one process; without them, that line is skipped with the reason.

``--fuzz-minutes N`` then runs tests/test_fuzz.py over and over with fresh random seeds and more examples
(CONVCALC_FUZZ_SEED, CONVCALC_FUZZ_EXAMPLES; a round started within the N minutes runs to its end) and prints
what failed (``--no-bench`` skips the timings). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONVCALC = str(BIN / "convcalc")
PYTHON = sys.executable
TIMEOUT = 300  #: seconds one run of one command may take before it counts as a failure

_HOOK = '''import atexit, os
_path = os.environ.get("CONVCALC_BENCH_HWM")
if _path:
    def _peak():
        try:
            with open("/proc/self/status") as f:
                kib = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
            with open(_path, "w") as out:
                out.write(str(kib))
        except Exception:
            pass
    atexit.register(_peak)
'''


@dataclass
class Case:
    key: str
    what: str
    cmd: list[str]
    heavy: bool = False
    expect: tuple[int, ...] = (0,)
    times: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)  # MiB
    error: str | None = None

    @property
    def time(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.error else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.cpus and not self.error else None

    @property
    def peak(self) -> float | None:
        return statistics.median(self.peaks) if self.peaks and not self.error else None


def run_once(case: Case, hook_dir: str | None) -> tuple[float, float, float | None]:
    """One run: (wall seconds, cpu seconds, peak MiB or None). Raises RuntimeError on an unexpected exit."""
    env = dict(os.environ, COLUMNS="100", _TYPER_FORCE_DISABLE_TERMINAL="1", CONVCALC_LANG="en")
    peak_file = None
    if hook_dir is not None:
        fd, peak_file = tempfile.mkstemp(prefix="hwm", dir=hook_dir)
        os.close(fd)
        env["PYTHONPATH"] = hook_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env["CONVCALC_BENCH_HWM"] = peak_file
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(case.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env,
                                cwd=ROOT)
        deadline = start + TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise RuntimeError(f"timeout after {TIMEOUT} s")
            time.sleep(0.0005 if time.perf_counter() - start < 0.5 else 0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in case.expect:
            err.seek(0)
            text = err.read().decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"exit {proc.returncode}: {text[-1] if text else ''}"[:200])
    peak = None
    if peak_file is not None:
        try:
            peak = int(Path(peak_file).read_text()) / 1024
        except (OSError, ValueError):
            peak = None
        os.unlink(peak_file)
    return wall, usage.ru_utime + usage.ru_stime, peak


def measure(cases: list[Case], runs: int, heavy_runs: int, mem_runs: int, hook_dir: str) -> None:
    """Warm up, then interleaved timed runs, then memory runs with the VmHWM hook."""
    live = list(cases)
    for case in live:  # warm-up: .pyc files, the disk cache
        try:
            run_once(case, None)
        except RuntimeError as exc:
            case.error = str(exc)
    live = [c for c in live if c.error is None]
    for r in range(max(runs, heavy_runs)):
        for case in live:
            if case.error or r >= (heavy_runs if case.heavy else runs):
                continue
            try:
                wall, cpu, _ = run_once(case, None)
            except RuntimeError as exc:
                case.error = str(exc)
                continue
            case.times.append(wall)
            case.cpus.append(cpu)
    for r in range(mem_runs):
        for case in live:
            if case.error or (case.heavy and r >= 1):
                continue
            try:
                _, _, peak = run_once(case, hook_dir)
            except RuntimeError as exc:
                case.error = str(exc)
                continue
            if peak is not None:
                case.peaks.append(peak)


# -- what is measured ---------------------------------------------------------------------------------------

def generated_spec(n: int, directory: Path) -> Path:
    """A plain n-layer JSON spec: conv 16→16 3x3 pad 1, batchnorm, relu, … then flatten and linear(10)."""
    pattern = [{"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1}, "batchnorm2d", "relu"]
    layers = [pattern[i % 3] for i in range(n - 2)] + ["flatten", {"type": "linear", "out_features": 10}]
    path = directory / f"generated_{n}.json"
    path.write_text(json.dumps({"name": f"generated-{n}", "input": [16, 8, 8], "layers": layers}))
    return path


TORCH_SCRIPT = """
import torch, torchvision, torchinfo
model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
stats = torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0)
assert stats.total_params == 6624904, stats.total_params
"""


def torch_python(option: str | None) -> tuple[str | None, str]:
    """A Python that can run TORCH_SCRIPT, or None and why not."""
    candidate = option or os.environ.get("CONVCALC_BENCH_TORCH_PYTHON") or sys.executable
    if not Path(candidate).exists():
        return None, f"{candidate}: no such Python"
    probe = subprocess.run([candidate, "-c", "import torch, torchvision, torchinfo"], capture_output=True, text=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"{candidate} cannot import torch, torchvision and torchinfo ({last}); see --torch-python"
    return candidate, ""


# -- output -------------------------------------------------------------------------------------------------

def ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    memory = ""
    try:
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
        memory = f", {kib / 1024 ** 2:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores ({usable} usable){memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()} ({sys.executable}); load average {load} at start")


def version() -> str:
    out = subprocess.run([CONVCALC, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return out + (f" (commit {commit}, working tree as it is)" if commit else "")


class Table:
    HEAD = ("what", "time", "cpu", "peak MiB", "ratio", "cpu ratio", "budget", "verdict")

    def __init__(self):
        self.rows: list[tuple[str, ...]] = []
        self.failed = 0

    def line(self, what: str, case: Case | None = None, ref: Case | None = None, budget: str = "",
             ok: bool | None = None, *, ratio: str | None = None, unit: str = "×", peak_only: bool = False) -> None:
        """One row: the case's medians, its time and cpu ratios to ``ref`` (``unit`` names ref), the verdict."""
        if case is not None and case.error:
            verdict, ok = f"FAIL ({case.error})", False
        else:
            verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        if ok is False:
            self.failed += 1
        cpu_ratio = ""
        if ratio is None:
            ratio = ""
            if case is not None and ref is not None and not peak_only:
                if case.time and ref.time:
                    ratio = f"{case.time / ref.time:.2f}{unit}"
                if case.cpu and ref.cpu:
                    cpu_ratio = f"{case.cpu / ref.cpu:.2f}{unit}"
        if case is None:
            self.rows.append((what, "", "", "", ratio, cpu_ratio, budget, verdict))
        elif peak_only:
            self.rows.append((what, "", "", mib(case.peak), ratio, "", budget, verdict))
        else:
            self.rows.append((what, ms(case.time), ms(case.cpu), mib(case.peak), ratio, cpu_ratio, budget, verdict))

    def print(self) -> None:
        widths = [max(len(r[i]) for r in [self.HEAD, *self.rows]) for i in range(len(self.HEAD))]
        right = {1, 2, 3, 4, 5}
        for row in [self.HEAD, None, *self.rows]:
            if row is None:
                print("  ".join("-" * w for w in widths))
                continue
            cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
            print("  ".join(cells).rstrip())


def bench(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="convcalc-bench-"))
    hook_dir = work / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(_HOOK)
    runs = args.runs or (3 if args.quick else 11)
    heavy_runs = 1 if args.quick else 5  # (the 100k-layer line's ratio to the 10k one flips with 3 on a noisy machine)
    mem_runs = 1 if args.quick else 3

    print(f"convcalc benchmark, {datetime.date.today().isoformat()}: {version()}")
    print(f"machine: {machine()}")
    print(f"each line: the median of {runs} runs ({heavy_runs} for the 100k-layer and torch lines), "
          f"interleaved; time = wall clock of the whole process, cpu = its user + system time, "
          f"peak = its own VmHWM; output to /dev/null")
    print()

    c = [CONVCALC]
    specs = {n: generated_spec(n, work) for n in (1_000, 10_000, 100_000)}
    cases = {
        "bare": Case("bare", "python -c pass", [PYTHON, "-c", "pass"]),
        "version": Case("version", "convcalc --version", c + ["--version"]),
        "lenet-json": Case("lenet-json", "convcalc params lenet --format json", c + ["params", "lenet", "--format", "json"]),
        "lenet-table": Case("lenet-table", "convcalc params lenet", c + ["params", "lenet"]),
        "gtv": Case("gtv", "convcalc params googlenet-torchvision", c + ["params", "googlenet-torchvision"]),
        "g-json": Case("g-json", "convcalc params googlenet --format json", c + ["params", "googlenet", "--format", "json"]),
        "g-min": Case("g-min", "convcalc check googlenet --min-input", c + ["check", "googlenet", "--min-input"]),
        "g-min-224": Case("g-min-224", "  … --input 3x224x224", c + ["check", "googlenet", "--min-input", "--input", "3x224x224"]),
        "g-min-4000": Case("g-min-4000", "  … --input 3x4000x4000", c + ["check", "googlenet", "--min-input", "--input", "3x4000x4000"]),
        "r-min-224": Case("r-min-224", "convcalc check resnet50 --min-input --input 3x224x224", c + ["check", "resnet50", "--min-input", "--input", "3x224x224"]),
        "r-min-4000": Case("r-min-4000", "  … --input 3x4000x4000", c + ["check", "resnet50", "--min-input", "--input", "3x4000x4000"]),
    }
    for n, path in specs.items():
        cases[f"json-{n}"] = Case(f"json-{n}", f"{n:,} layers: params SPEC --format json",
                                  c + ["params", str(path), "--format", "json"], heavy=n > 10_000)
    cases["table-100000"] = Case("table-100000", "100,000 layers: params SPEC --full (the table)",
                                 c + ["params", str(specs[100_000]), "--full"], heavy=True)
    solves = [("224 → 112", ["--in", "224", "--out", "112"], ["--in", "1000000000", "--out", "500000000"],
               "1e9 → 5e8"),
              ("224 → 112 --kernel 7", ["--in", "224", "--out", "112", "--kernel", "7"],
               ["--in", "1000000000", "--out", "1", "--kernel", "1000000000"], "1e9 → 1 --kernel 1e9"),
              ("28 --keep", ["--in", "28", "--keep"], ["--in", "1000000000", "--keep"], "1e9 --keep")]
    for i, (small_label, small, huge, huge_label) in enumerate(solves):
        cases[f"solve-s{i}"] = Case(f"solve-s{i}", f"convcalc solve {small_label}", c + ["solve", *small])
        cases[f"solve-h{i}"] = Case(f"solve-h{i}", f"  … {huge_label}", c + ["solve", *huge])
    tpy, why_not = torch_python(args.torch_python)
    if tpy:
        cases["torch"] = Case("torch", "torch + torchvision + torchinfo: googlenet + summary",
                              [tpy, "-c", TORCH_SCRIPT], heavy=True)

    measure(list(cases.values()), runs, heavy_runs, mem_runs, str(hook_dir))

    t = Table()
    k = cases
    bare = k["bare"]

    def within(case, ref, limit):
        return None if case.time is None or ref.time is None else case.time <= limit * ref.time

    t.line("python -c pass", bare, bare, "(reference)")
    t.line("convcalc --version", k["version"], bare, unit="× bare")
    lj, lt = k["lenet-json"], k["lenet-table"]
    t.line(lj.what, lj, bare, "≤ 4× bare", within(lj, bare, 4), unit="× bare")
    t.line("  … peak memory", lj, None, "≤ 30 MiB", None if lj.peak is None else lj.peak <= 30,
           ratio=f"{lj.peak / bare.peak:.1f}× bare" if lj.peak and bare.peak else "", peak_only=True)
    t.line(lt.what, lt, bare, "≤ 6× bare", within(lt, bare, 6), unit="× bare")

    gtv = k["gtv"]
    t.line(gtv.what, gtv, bare, unit="× bare")
    if tpy:
        tc = k["torch"]
        t.line(tc.what, tc, gtv, unit="× convcalc")
        t.line("  convcalc vs torch + torchinfo: time", None, None, "≥ 50× faster",
               None if not (gtv.time and tc.time) else tc.time / gtv.time >= 50,
               ratio=f"{tc.time / gtv.time:.0f}× faster" if gtv.time and tc.time else "")
        t.line("  convcalc vs torch + torchinfo: peak memory", None, None, "≥ 30× lighter",
               None if not (gtv.peak and tc.peak) else tc.peak / gtv.peak >= 30,
               ratio=f"{tc.peak / gtv.peak:.0f}× lighter" if gtv.peak and tc.peak else "")
    else:
        t.rows.append(("torch + torchinfo: googlenet + summary", "", "", "", "", "", "", f"skipped: {why_not}"))

    one, ten, big = k["json-1000"], k["json-10000"], k["json-100000"]
    t.line(one.what, one, bare, unit="× bare")
    t.line(ten.what, ten, one, unit="× 1k")
    t.line(big.what, big, ten, "< 2 s; ≤ 11× 10k", None if big.time is None or ten.time is None
           else big.time < 2 and big.time <= 11 * ten.time, unit="× 10k")
    t.line("  … peak memory", big, None, "< 300 MiB", None if big.peak is None else big.peak < 300, peak_only=True)
    table = k["table-100000"]
    t.line(table.what, table, big, "≤ 2× the JSON", within(table, big, 2), unit="× json")

    gj, gm = k["g-json"], k["g-min"]
    t.line(gj.what, gj, bare, unit="× bare")
    t.line(gm.what, gm, gj, "≤ 2× params --format json", within(gm, gj, 2), unit="× json")
    for model in ("g", "r"):
        a, b = k[f"{model}-min-224"], k[f"{model}-min-4000"]
        t.line(a.what, a, bare, unit="× bare")
        t.line(b.what, b, a, "same time (≤ 1.5× 224)", within(b, a, 1.5), unit="× 224")
    for i in range(len(solves)):
        s, h = k[f"solve-s{i}"], k[f"solve-h{i}"]
        t.line(s.what, s, bare, unit="× bare")
        t.line(h.what, h, s, "same time (≤ 1.5× small)", within(h, s, 1.5), unit="× small")
    t.print()
    print()
    print(f"{t.failed} budget(s) missed" if t.failed else "every budget met")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if t.failed else 0


# -- the long fuzzing run -----------------------------------------------------------------------------------

def fuzz(minutes: float, examples: int) -> int:
    """tests/test_fuzz.py again and again with fresh seeds until the time is up; what failed, once each."""
    deadline = time.monotonic() + minutes * 60
    logs = Path(tempfile.mkdtemp(prefix="convcalc-fuzz-"))
    failures: dict[str, str] = {}
    rounds = cases = 0
    print(f"fuzzing for {minutes:g} minutes: tests/test_fuzz.py, {examples} examples per test per round, "
          f"logs in {logs}")
    while time.monotonic() < deadline:  # a round started in time runs to its end
        seed = random.SystemRandom().randrange(2 ** 32)
        log = logs / f"round{rounds:03d}-seed{seed}.log"
        count_file = logs / "count"
        env = dict(os.environ, CONVCALC_FUZZ_SEED=str(seed), CONVCALC_FUZZ_EXAMPLES=str(examples),
                   CONVCALC_FUZZ_COUNT_FILE=str(count_file), CONVCALC_FUZZ_LOG=str(logs / "cases.tsv"))
        with open(log, "w") as out:
            result = subprocess.run([PYTHON, "-m", "pytest", "tests/test_fuzz.py", "-q", "-p", "no:cacheprovider",
                                     "-o", "addopts=", "--tb=short"], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        rounds += 1
        text = log.read_text(errors="replace")
        if count_file.exists():
            cases = sum(int(line) for line in count_file.read_text().split())
        for name in re.findall(r"^FAILED (\S+)", text, re.M):
            failures.setdefault(name, str(log))
        summary = (text.strip().splitlines() or ["(no output)"])[-1]
        print(f"  round {rounds}: seed {seed}: {summary}", flush=True)
        if result.returncode not in (0, 1):
            print(f"  pytest exited {result.returncode}: see {log}")
    print(f"fuzzing: {rounds} rounds, {cases:,} cases, {len(failures)} failing test(s); every case in "
          f"{logs / 'cases.tsv'} (test, exit, seconds, MiB, first line of stderr, arguments)")
    for name, log in failures.items():
        print(f"  FAILED {name}  (first in {log})")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (3; 1 for the heavy lines)")
    parser.add_argument("--runs", type=int, help="runs per line (default 11, --quick 3)")
    parser.add_argument("--torch-python", help="a Python with torch, torchvision and torchinfo")
    parser.add_argument("--fuzz-minutes", type=float, default=0, help="then fuzz for this long")
    parser.add_argument("--fuzz-examples", type=int, default=60, help="examples per test per fuzzing round")
    parser.add_argument("--no-bench", action="store_true", help="skip the timings (with --fuzz-minutes)")
    args = parser.parse_args()
    status = 0 if args.no_bench else bench(args)
    if args.fuzz_minutes > 0:
        print()
        status = max(status, fuzz(args.fuzz_minutes, args.fuzz_examples))
    return status


if __name__ == "__main__":
    sys.exit(main())
