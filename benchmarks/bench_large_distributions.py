"""Benchmark: `llmtutor calc softmax / entropy / kl / sample` on a 256,000-entry vocabulary.

Two views, both in fresh subprocesses, inputs written once to files and passed as ``@path``:

1. **Commands, end to end.** Wall time and peak RSS of

       python -m tutor calc softmax --logits @FILE            (the text explanation)
       python -m tutor calc softmax --logits @FILE --json
       python bare.py softmax FILE                              (numpy alone: read, compute)

   The bare script reads the same file with numpy (`np.array(text.split(","), float)`) and does
   the operation at the calculator's core, nothing else.

2. **The core, in process.** Best-of-k time of the maths plus the explanation (`Worked`) that
   the command builds, against the bare numpy operation computing the same headline numbers, each
   in its own subprocess so neither inherits the other's heap. Target: within 2x.

       softmax   exp(z − max z) / Σ                           (scipy.special.softmax's algorithm)
       entropy   −Σ p log p
       kl        r = log(p / q);  Σ p r  and  −Σ q r          (both directions, as the calculator)
       sample    softmax, argsort, cumsum, rng.choice         (how decoders do top-p)

Huffman coding (`calc compression`) is timed at n/4 and n to show its O(n log n) growth.

    python benchmarks/bench_large_distributions.py            # 256,000 entries, 3 runs each
    python benchmarks/bench_large_distributions.py --n 64000 --runs 5

Peak RSS comes from GNU time (``%M``) when available, else ``os.wait4`` (an upper bound: a
forked child starts with this process's pages counted). Not part of the test suite; prints a
table and exits 1 when the in-process target (2x) is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, Program, child_env, gnu_time, run_program  # noqa: E402

TIME_TARGET = 2.0
CALCULATORS = ("softmax", "entropy", "kl", "sample")

BARE = '''
import sys, time
import numpy as np
kind, paths = sys.argv[1], sys.argv[2:]
read = lambda path: np.array(open(path).read().split(","), dtype=float)
arrays = [read(path) for path in paths]
if kind == "softmax":
    z, = arrays; e = np.exp(z - z.max()); out = e / e.sum()
elif kind == "entropy":
    p, = arrays; out = -(p * np.log(p)).sum()
elif kind == "kl":
    p, q = arrays; r = np.log(p / q); out = ((p * r).sum(), -(q * r).sum())
else:
    z, = arrays; e = np.exp(z - z.max()); pr = e / e.sum(); order = np.argsort(-pr)
    c = np.cumsum(pr[order]); out = np.random.default_rng(0).choice(z.size, size=10, p=pr)
print(np.asarray(out).ravel()[:3])
'''

CORE = '''
import sys, time, timeit
import numpy as np
sys.path.insert(0, sys.argv[3])
kind, which, paths = sys.argv[1], sys.argv[2], sys.argv[4:]
arrays = [np.array(open(path).read().split(","), dtype=float) for path in paths]

def ours():
    from tutor.calculators import information as ei, probability as ep
    from tutor.maths import information as mi, probability as mp
    if kind == "softmax": return ep.explain_softmax(mp.softmax(arrays[0]))
    if kind == "entropy": return ei.explain_entropy(mi.entropy(arrays[0]))
    if kind == "kl": return ei.explain_kl(mi.kl_divergence(arrays[0], arrays[1]))
    if kind == "sample": return ep.explain_sample(mp.sample(arrays[0]))
    return ei.explain_compression(mi.huffman(arrays[0]))

def bare():
    if kind == "softmax":
        z = arrays[0]; e = np.exp(z - z.max()); return e / e.sum()
    if kind == "entropy":
        p = arrays[0]; return -(p * np.log(p)).sum()
    if kind == "kl":
        p, q = arrays; r = np.log(p / q); return (p * r).sum(), -(q * r).sum()
    z = arrays[0]; e = np.exp(z - z.max()); pr = e / e.sum(); order = np.argsort(-pr)
    return np.cumsum(pr[order]), np.random.default_rng(0).choice(z.size, size=10, p=pr)

run = ours if which == "ours" else bare
run()  # imports and first-touch costs are not the operation
repeats = 3 if kind == "compression" else 30
print(min(timeit.repeat(run, number=1, repeat=repeats)))
'''


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float


def best(command: list[str], runs: int) -> Run:
    """The fastest of `runs` runs, and the largest peak RSS (harness.run_program: GNU time or wait4)."""
    results = [run_program(Program(command), child_env()) for _ in range(runs)]
    return Run(min(r.seconds for r in results), max(r.peak_mb for r in results))


def write_inputs(folder: Path, n: int) -> dict[str, Path]:
    """Logits (normal, σ = 3) and two distributions over n outcomes, as comma-separated text."""
    rng = np.random.default_rng(0)
    files = {}
    for name, z in (("logits", rng.normal(0, 3, n)), ("p", rng.normal(0, 3, n)), ("q", rng.normal(0, 3, n))):
        values = z if name == "logits" else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        files[name] = folder / f"{name}.txt"
        files[name].write_text(",".join(repr(float(x)) for x in values))
    return files


def commands(kind: str, files: dict[str, Path]) -> tuple[list[str], list[Path]]:
    """The llmtutor arguments for `kind`, and the input files the bare script reads."""
    if kind == "softmax":
        return ["--logits", f"@{files['logits']}"], [files["logits"]]
    if kind == "sample":
        return ["--logits", f"@{files['logits']}"], [files["logits"]]
    if kind == "entropy":
        return ["--probs", f"@{files['p']}"], [files["p"]]
    return ["--p", f"@{files['p']}", "--q", f"@{files['q']}"], [files["p"], files["q"]]


def core_seconds(kind: str, which: str, paths: list[Path], runs: int) -> float:
    """Best in-process time of `which` ("ours" or "bare"), the best of `runs` fresh processes."""
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", CORE, kind, which, str(ROOT), *map(str, paths)],
                              capture_output=True, text=True, cwd=ROOT, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=256_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows, cores = [], []
    with tempfile.TemporaryDirectory(prefix="llmtutor-bench-") as name:
        folder = Path(name)
        files = write_inputs(folder, args.n)
        bare_path = folder / "bare.py"
        bare_path.write_text(BARE)
        for kind in CALCULATORS:
            options, paths = commands(kind, files)
            cli = [sys.executable, "-m", "tutor", "calc", kind, *options]
            rows.append((kind, best(cli, args.runs), best([*cli, "--json"], args.runs),
                         best([sys.executable, str(bare_path), kind, *map(str, paths)], args.runs)))
            cores.append((kind, core_seconds(kind, "ours", paths, args.runs), core_seconds(kind, "bare", paths, args.runs)))
        huffman = huffman_scaling(folder, args.n, args.runs)
    return report(args.n, args.runs, rows, cores, huffman)


def huffman_scaling(folder: Path, n: int, runs: int) -> list[tuple[int, float]]:
    """maths + explanation time of Huffman coding at n/4 and n (in-process, fresh processes)."""
    found = []
    for size in (n // 4, n):
        path = folder / f"huffman-{size}.txt"
        z = np.random.default_rng(1).normal(0, 3, size)
        path.write_text(",".join(repr(float(x)) for x in np.exp(z - z.max()) / np.exp(z - z.max()).sum()))
        found.append((size, core_seconds("compression", "ours", [path], max(1, runs // 2))))
    return found


def report(n: int, runs: int, rows: list[tuple[str, Run, Run, Run]], cores: list[tuple[str, float, float]],
           huffman: list[tuple[int, float]]) -> int:
    print(f"\n{n:,} entries; best of {runs} runs (wall time), largest peak RSS\n")
    print("| calculator | llmtutor text s | llmtutor --json s | numpy script s | text / numpy "
          "| RSS text MB | RSS --json MB | RSS numpy MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind, text, as_json, bare in rows:
        print(f"| {kind} | {text.seconds:.2f} | {as_json.seconds:.2f} | {bare.seconds:.2f} | "
              f"{text.seconds / bare.seconds:.1f} | {text.peak_rss_mb:.0f} | {as_json.peak_rss_mb:.0f} | "
              f"{bare.peak_rss_mb:.0f} |")
    print("\nIn process (maths + explanation vs the bare numpy operation), best of fresh processes:\n")
    print("| calculator | maths + Worked ms | numpy op ms | ratio | target ≤ 2 |")
    print("| --- | --- | --- | --- | --- |")
    met = True
    for kind, ours, bare in cores:
        ratio = ours / bare
        met &= ratio <= TIME_TARGET
        print(f"| {kind} | {ours * 1e3:.2f} | {bare * 1e3:.2f} | {ratio:.2f} | {'met' if ratio <= TIME_TARGET else 'MISSED'} |")
    (small, t_small), (large, t_large) = huffman
    expected = (large * np.log2(large)) / (small * np.log2(small))
    print(f"\nHuffman (compression), maths + Worked: {t_small:.2f} s at {small:,}, {t_large:.2f} s at {large:,} "
          f"(x{t_large / t_small:.1f}; n log n predicts x{expected:.1f})")
    print(f"peak RSS by {'GNU time' if gnu_time() else 'os.wait4 (an upper bound)'}")
    print(json.dumps({"in_process_target_met": met}))
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
