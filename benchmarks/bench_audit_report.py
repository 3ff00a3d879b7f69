"""Time and reproducibility of the audit report (issue #18): the whole ``cxrqa report`` call, twice.

Runs ``cxrqa report --notebook notebooks/audit.py`` on an audit folder (default ``results/audit``,
the default archive's audit; the films are read from the paths the store records, so run it from
the repository root) into a fresh folder, then runs it again into the same folder, and prints:

* the wall-clock seconds of each run (the target: at most 120 s on the 2-core machine);
* how many output files the second run changed, byte for byte (the target: none), naming them;
* the signals found and, when the audit folder comes with the synthetic archive's ``faults.csv``
  (``--faults``), each planted fault's first signal on its station and dimension against its
  onset, and the signals on stations without a fault.

Numbers are printed (and written with ``--json FILE``), never asserted.

Run: ``python benchmarks/bench_audit_report.py [--audit-dir results/audit] [--faults
data/archive/faults.csv] [--params params.yaml] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _report(audit_dir: Path, out: Path, params: Path) -> float:
    command = [sys.executable, "-m", "cxrqa.cli", "report", "--notebook", str(ROOT / "notebooks" / "audit.py"),
               "--params", str(params), "-p", f"audit_dir={audit_dir}", "--out", str(out)]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _months_after(onset: str, period: str) -> int:
    first, then = pd.Period(onset, "M"), pd.Period(period, "M")
    return (then - first).n


def fault_figures(signals: pd.DataFrame, faults: pd.DataFrame) -> dict:
    """Per planted fault, its first signal on its station and dimension; and the others' signals."""
    found = {}
    for fault in faults.itertuples():
        own = signals[(signals["group"] == fault.station) & (signals["dimension"] == fault.dimension)]
        after = own[own["period"] >= fault.onset]
        first = after["period"].min() if len(after) else None
        found[fault.fault] = {
            "station": fault.station, "dimension": fault.dimension, "onset": fault.onset, "first_signal": first,
            "periods_after_onset": None if first is None else _months_after(fault.onset, first),
            "charts_at_first_signal": sorted(after.loc[after["period"] == first, "chart"]) if first else [],
            "signals_before_onset": int((own["period"] < fault.onset).sum()),
        }  # fmt: skip
    healthy = signals[~signals["group"].isin(faults["station"])]
    return {"faults": found, "signals_on_stations_without_fault": int(len(healthy)),
            "healthy_signals": healthy.to_dict("records")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit-dir", type=Path, default=ROOT / "results" / "audit")
    parser.add_argument("--faults", type=Path, default=ROOT / "data" / "archive" / "faults.csv")
    parser.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "reports"
        first = _report(args.audit_dir.resolve(), out, args.params)
        before = _tree(out)
        second = _report(args.audit_dir.resolve(), out, args.params)
        after = _tree(out)
        changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
        signals = pd.read_csv(out / "tables" / "audit" / "signals.csv", dtype={"period": str})
    figures = {"seconds_first_run": round(first, 1), "seconds_second_run": round(second, 1), "files": len(after),
               "files_changed_by_rerun": changed, "signals": int(len(signals))}  # fmt: skip
    print(f"report: {first:.1f} s, rerun {second:.1f} s (target <= 120 s on 2 cores); {len(after)} files, "
          f"{len(changed)} changed by the rerun (target 0){': ' + ', '.join(changed) if changed else ''}")
    print(f"signals: {len(signals)} rows")
    if args.faults.is_file():
        figures |= fault_figures(signals, pd.read_csv(args.faults, dtype=str))
        for name, fault in figures["faults"].items():
            print(f"  {name}: {fault['station']} {fault['dimension']}, onset {fault['onset']}: first signal "
                  f"{fault['first_signal']} ({fault['periods_after_onset']} periods after; target <= 2), charts "
                  f"{', '.join(fault['charts_at_first_signal'])}; {fault['signals_before_onset']} before the onset")
        print(f"  signals on stations without a fault: {figures['signals_on_stations_without_fault']} (target <= 1)")
        for row in figures["healthy_signals"]:
            print(f"    {row['group']} {row['dimension']} {row['period']} {row['chart']} {row['rule']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
