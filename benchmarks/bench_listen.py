"""Latency and intake of ``cxrqa listen`` (issue #19), with a real listener on loopback.

Starts ``cxrqa listen`` (the models of ``--models``, else untrained checkpoints of the default
``model`` section: the same compute) on a free local port and sends it rendered PA chest films of
``--size`` x ``--size`` pixels, 16 bits allocated (phantoms of the reader study's renderer, cloned
with new UIDs), with pynetdicom as the modality. Prints:

1. **Latency**, one film at a time (``--latency-films``, a pause between): seconds from the end of
   the C-STORE (the success answer received) to the film's row in the audit store, each film, and
   their median and maximum (target: at most 1 s on the 2-core CPU).
2. **Intake**, a burst of ``--burst`` films as fast as one association sends them: films per
   second answered with success, every one answered with success, and the seconds until the
   scorer had stored them all (scoring keeps up as it can; the spool absorbs the burst).
3. **Sustained intake**: films sent at ``--rate`` films per second for ``--sustained-s`` seconds
   (target: at least 5 per second without loss): the rate achieved, the successes, the most films
   waiting in the spool, and the seconds until all were stored; every film in the store exactly once.

Numbers are printed (and written with ``--json FILE``), never asserted.

Run: ``python benchmarks/bench_listen.py [--size 2000] [--latency-films 10] [--burst 60] [--models models] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audit import prepare_models, write_templates  # noqa: E402

from cxrqa.listen.spool import spool_key  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(f"bench_listen: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clones(templates: list[Path], count: int, tag: str):
    """``count`` films, made as they are needed: each a copy of a template with its own UIDs."""
    import copy

    sources = [pydicom.dcmread(path) for path in templates]
    for number in range(count):
        ds = copy.deepcopy(sources[number % len(sources)])
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[tag, str(number)])
        ds.StudyInstanceUID = generate_uid(entropy_srcs=[tag, str(number), "study"])
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=[tag, str(number), "series"])
        yield ds


def stored(out: Path, uid: str) -> bool:
    return any(out.glob(f"scores/*/part-{spool_key(uid)}.parquet"))


def association(port: int):
    from pynetdicom import AE
    from pynetdicom.sop_class import ComputedRadiographyImageStorage, DigitalXRayImageStorageForPresentation

    ae = AE(ae_title="BENCH")
    ae.add_requested_context(DigitalXRayImageStorageForPresentation)
    ae.add_requested_context(ComputedRadiographyImageStorage)
    assoc = ae.associate("127.0.0.1", port, ae_title="CXRQA")
    if not assoc.is_established:
        raise RuntimeError("the listener refused the association")
    return assoc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--latency-films", type=int, default=10)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--sustained-s", type=float, default=30.0)
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_listen_") as scratch:
        work = Path(scratch)
        log(f"rendering templates of {args.size} x {args.size}")
        templates = write_templates(work / "templates", (args.size, args.size), count=4)
        models = prepare_models(args.models, work / "models")
        first = pydicom.dcmread(templates[0], stop_before_pixels=True)
        port, out = free_port(), work / "audit"
        logfile = (work / "listener.log").open("w")
        listener = subprocess.Popen([sys.executable, "-m", "cxrqa.cli", "listen", "--port", str(port), "--host", "127.0.0.1",
                                     "--models", str(work / "models"), "--out", str(out), "--spool-limit", str(args.burst + 10)],
                                    stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)  # fmt: skip
        try:
            while "listening on" not in (work / "listener.log").read_text():
                time.sleep(0.1)
            warm = next(clones(templates, 1, "warm"))
            assoc = association(port)
            assoc.send_c_store(warm)
            while not stored(out, str(warm.SOPInstanceUID)):
                time.sleep(0.05)  # the scorer has loaded its models
            latencies = []
            for film in clones(templates, args.latency_films, "latency"):
                status = assoc.send_c_store(film)
                answered = time.perf_counter()
                assert status.Status == 0, hex(status.Status)
                while not stored(out, str(film.SOPInstanceUID)):
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - answered)
                time.sleep(1.0)
            burst = list(clones(templates, args.burst, "burst"))  # made before the clock starts
            started = time.perf_counter()
            statuses = [assoc.send_c_store(film).Status for film in burst]
            intake_s = time.perf_counter() - started
            while not all(stored(out, str(film.SOPInstanceUID)) for film in burst):
                time.sleep(0.05)
            drained_s = time.perf_counter() - started
            del burst
            count = int(args.rate * args.sustained_s)
            sustained, waiting_most, started = [], 0, time.perf_counter()
            for number, film in enumerate(clones(templates, count, "sustained")):
                time.sleep(max(0.0, started + number / args.rate - time.perf_counter()))
                sustained.append((str(film.SOPInstanceUID), assoc.send_c_store(film).Status))
                waiting_most = max(waiting_most, sum(1 for name in os.listdir(out / "spool") if name.endswith(".dcm")))
            sent_s = time.perf_counter() - started
            assoc.release()
            while not all(stored(out, uid) for uid, _ in sustained):
                time.sleep(0.05)
            sustained_drained_s = time.perf_counter() - started
        finally:
            os.killpg(listener.pid, signal.SIGTERM)
            listener.wait(timeout=60)
        import pandas as pd

        rows = pd.read_parquet(out / "scores")["sop_instance_uid"]
        figures = {
            "film": f"{args.size} x {args.size}, {first.BitsAllocated} bits allocated, {first.Modality}, {first.file_meta.TransferSyntaxUID.name}",
            "models": models, "cpu_cores": os.cpu_count(),
            "latency_s": [round(value, 3) for value in latencies],
            "latency_median_s": round(statistics.median(latencies), 3), "latency_max_s": round(max(latencies), 3),
            "burst_films": args.burst, "burst_successes": sum(status == 0 for status in statuses),
            "intake_films_per_s": round(args.burst / intake_s, 2), "burst_stored_after_s": round(drained_s, 1),
            "scoring_films_per_s": round(args.burst / drained_s, 2),
            "sustained_films": count, "sustained_films_per_s": round(count / sent_s, 2),
            "sustained_successes": sum(status == 0 for _, status in sustained), "spool_most_waiting": waiting_most,
            "sustained_stored_after_s": round(sustained_drained_s, 1),
            "rows_in_store": int(len(rows)), "rows_unique": bool(rows.is_unique),
        }  # fmt: skip
    print(f"films: {figures['film']}; models: {figures['models']}; {figures['cpu_cores']} cores")
    print(f"latency, end of C-STORE to the row in the store: median {figures['latency_median_s']} s, max "
          f"{figures['latency_max_s']} s over {len(latencies)} films (target <= 1 s): {figures['latency_s']}")
    print(f"intake: {figures['intake_films_per_s']} films/s over a burst of {args.burst} (target >= 5), "
          f"{figures['burst_successes']} answered with success; all stored after {figures['burst_stored_after_s']} s "
          f"({figures['scoring_films_per_s']} films/s scored)")
    print(f"sustained: {figures['sustained_films_per_s']} films/s for {args.sustained_s:g} s (target >= 5), "
          f"{figures['sustained_successes']} of {count} answered with success, at most {waiting_most} films waiting in the "
          f"spool, all stored after {figures['sustained_stored_after_s']} s; store rows {figures['rows_in_store']} "
          f"(expected {1 + args.latency_films + args.burst + count}), each once: {figures['rows_unique']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
