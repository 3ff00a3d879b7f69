"""Speed and memory of ``cxrqa audit`` (issue #17): Dask scaling and overhead, index rate, flat memory.

Prints, in one run, on archives of real DICOM chest films (DX, CHEST, PA, for presentation) made
here from a few rendered phantoms cloned with new UIDs and study dates over twelve months:

1. **Scoring throughput, 1 vs 2 workers**: films per second of the scoring pass
   (``run.json`` ``scoring_seconds``) and of the whole :func:`cxrqa.audit.engine.run_audit` call
   (cluster start and stop included) with an embedded ``LocalCluster`` of 1 and of 2 workers, on
   the same ``--films`` films of 1024 x 864 and the same shards, and their ratio.
2. **Dask overhead**: the 1-worker cluster against the plain loop in this process
   (``EngineSpec(kind="inline")``, the same ``index_chunk``/``score_shard`` with torch on one
   thread, as a worker runs them), as a slowdown in %. The variants run interleaved (1 worker,
   2 workers, plain loop; ``--rounds`` times) into fresh audit folders, so that load from other
   processes hits them alike; the medians are compared. The plain loop keeps its models loaded
   from the second round on, as a worker keeps them between shards; each cluster starts workers
   that load them. The mean seconds per film the store records (``seconds``, timed inside the
   shard) tell compute apart from scheduling.
3. **Index pass rate**: files per second of :func:`cxrqa.audit.shard.index_chunk` (headers only)
   over the throughput archive's files in chunks of the engine's ``INDEX_CHUNK``, in this process
   and mapped over a 2-worker ``LocalCluster``, after one untimed round (the files are in the page
   cache: a cold disk is slower).
4. **Memory flat with archive size**: peak resident memory of the client process and of the
   largest worker of a whole ``cxrqa audit ... --workers 2`` subprocess, polled with psutil
   (VmHWM where Linux keeps it) on archives of ``--memory-sizes`` films of 512 x 432; the larger
   archive is the smaller one plus more folders (several SOURCEs), and the client's growth per film.

Models: ``--models`` (default ``models/``), copied first so a training run that rewrites them
cannot stop the audit midway (the workers check the digests); when absent, untrained checkpoints
of the default ``model`` section and per-dimension input specifications (same compute).
Numbers are printed (and written with ``--json FILE``), never asserted: on a shared machine they
are noisy, and the targets are printed beside them.

Run: ``python benchmarks/bench_audit.py [--films 400] [--rounds 2] [--memory-sizes 1000 5000]
[--skip-memory] [--models DIR] [--json FILE] [--work DIR] [--keep]``; a quick check:
``--films 40 --memory-sizes 100 200 --rounds 1``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import pydicom
import torch
from pydicom.uid import generate_uid

from cxrqa.audit.command import make_setup
from cxrqa.audit.engine import INDEX_CHUNK, AuditSource, EngineSpec, run_audit
from cxrqa.audit.shard import ScoringSetup, index_chunk
from cxrqa.audit.store import read_scores
from cxrqa.config import load_section
from cxrqa.io.tables import DIMENSIONS
from cxrqa.models import build_model, save_checkpoint
from cxrqa.scoring import InputSpec, checkpoint_path
from cxrqa.simulate.degrade import apply_degradations, draw_degradation
from cxrqa.simulate.dicom_writer import VENDOR_ENCODINGS, write_radiograph
from cxrqa.simulate.phantom import render_phantom

ROOT = Path(__file__).parents[1]
#: Film sizes (rows, columns): realistic scoring cost for the throughput, small files for memory.
THROUGHPUT_SHAPE = (1024, 864)
MEMORY_SHAPE = (512, 432)
#: Rendered films per archive; every other film is a clone of one of them with new UIDs and date.
TEMPLATES = 8
FIRST_DAY = dt.date(2025, 1, 1)
#: Worker processes of the memory runs and of the index pass on a cluster.
MEMORY_WORKERS = 2
#: Seconds between two looks at the memory of the audit's processes.
POLL_SECONDS = 0.15
#: Latent quality (both dimensions) of the templates: routine films.
TEMPLATE_QUALITY = 8.0
#: Score-layer bias of the untrained models (the middle of the 1-10 scale).
INIT_SCORE = 5.5

#: Engines of the throughput part, in the order each round runs them.
VARIANTS = {
    "dask, 1 worker": EngineSpec(kind="local", workers=1),
    "dask, 2 workers": EngineSpec(kind="local", workers=2),
    "plain loop": EngineSpec(kind="inline"),
}

TARGET_SPEEDUP = 1.8
TARGET_OVERHEAD_PERCENT = 10.0
TARGET_INDEX_RATE = 300.0
TARGET_MEMORY_RATIO = 1.15


def log(message: str) -> None:
    """A progress line on stderr (figures go to stdout)."""
    print(f"bench_audit: {message}", file=sys.stderr, flush=True)


# -- archives ------------------------------------------------------------------------------------
def write_templates(folder: Path, shape: tuple[int, int], count: int = TEMPLATES) -> list[Path]:
    """``count`` rendered PA chest films of ``shape`` (phantom, routine degradations, vendors in turn)."""
    rng = np.random.default_rng(0)
    vendors = list(VENDOR_ENCODINGS)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        phantom = render_phantom(*shape, rng)
        degradation = draw_degradation(TEMPLATE_QUALITY, TEMPLATE_QUALITY, rng)
        display = apply_degradations(phantom.attenuation, phantom.attenuation > 0.05, degradation, rng)
        path = folder / f"template{index}.dcm"
        write_radiograph(path, display, image_id=f"T{index}", vendor=vendors[index % len(vendors)], centre="Bench",
                         patient_age=50, patient_sex="F", study_date=FIRST_DAY, seed=index)  # fmt: skip
        paths.append(path)
    return paths


def study_date(number: int) -> dt.date:
    """Film ``number``'s study date: a week after the previous film's, wrapped within a year."""
    return FIRST_DAY + dt.timedelta(days=(7 * number) % 365)


def clone_films(templates: list[Path], folder: Path, first: int, count: int, tag: str) -> None:
    """Write films ``first`` .. ``first + count - 1`` under ``folder/YYYY-MM/``, each a template
    with its own SOP Instance, Study and Series UIDs and study date (a folder per month, as
    archives are laid out, so that a shard holds the films of one or two months)."""
    datasets = [pydicom.dcmread(path) for path in templates]
    for number in range(first, first + count):
        ds = datasets[number % len(datasets)]
        uid = generate_uid(entropy_srcs=[tag, str(number)])
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid
        ds.StudyInstanceUID = generate_uid(entropy_srcs=[tag, str(number), "study"])
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=[tag, str(number), "series"])
        date = study_date(number)
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = date.strftime("%Y%m%d")
        path = folder / f"{date:%Y-%m}" / f"film{number:06d}.dcm"
        path.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(path)


def write_archive(folder: Path, shape: tuple[int, int], sizes: list[int]) -> list[Path]:
    """Archive folders ``part0``, ``part1``, ...: together the first ``k + 1`` hold ``sizes[k]``
    films (``sizes`` ascending). Returns the folders."""
    templates = write_templates(folder / "templates", shape)
    parts, written = [], 0
    for index, size in enumerate(sizes):
        part = folder / f"part{index}"
        clone_films(templates, part, written, size - written, tag=f"bench-audit-{folder.name}")
        parts.append(part)
        written = size
    shutil.rmtree(folder / "templates")
    return parts


# -- models --------------------------------------------------------------------------------------
def prepare_models(requested: Path, folder: Path) -> str:
    """Put the models to score with in ``folder``; returns which they are, in words.

    Trained checkpoints under ``requested`` are copied; without them untrained ones of the
    default ``model`` section and each dimension's default input specification are built.
    """
    found = [checkpoint_path(requested, dimension) for dimension in DIMENSIONS]
    if all(path.is_file() for path in found):
        for dimension, path in zip(DIMENSIONS, found):
            target = checkpoint_path(folder, dimension)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        return f"trained, copied from {requested}"
    model_params, train_params = load_section(None, "model"), load_section(None, "train")
    for seed, dimension in enumerate(DIMENSIONS):
        torch.manual_seed(seed)
        spec = InputSpec.from_params(model_params, train_params.for_dimension(dimension))
        save_checkpoint(checkpoint_path(folder, dimension), build_model(model_params, init_score=INIT_SCORE, in_chans=spec.channels), {},
                        spec.to_dict(), {"dimension": dimension})  # fmt: skip
    return f"UNTRAINED (none in {requested}): default model section and input specifications, same compute"


# -- 1 and 2: throughput and Dask overhead -------------------------------------------------------
def timed_audit(archive: Path, setup: ScoringSetup, engine: EngineSpec, out: Path, shard_size: int) -> dict:
    """Audit ``archive`` into the fresh folder ``out``; returns counts and seconds."""
    started = time.perf_counter()
    summary = run_audit([str(archive)], replace(setup, audit_dir=str(out)), engine, shard_size=shard_size, progress=False)
    wall = time.perf_counter() - started
    timings = json.loads((out / "run.json").read_text())["timings"]
    film_seconds = read_scores(out, ["seconds"]).column("seconds").to_numpy()
    return {
        "scored": summary.scored,
        "failed": sum(summary.failed.values()),
        "wall_seconds": wall,
        "scoring_seconds": timings["scoring_seconds"],
        "mean_film_seconds": float(film_seconds.mean()) if len(film_seconds) else None,
    }


def throughput_runs(archive: Path, setup: ScoringSetup, films: int, rounds: int, work: Path, shard_size: int) -> list[dict]:
    """Every variant of :data:`VARIANTS` once per round, in turn; stops when one misses a film."""
    runs = []
    for round_number in range(1, rounds + 1):
        for variant, engine in VARIANTS.items():
            out = work / "audits" / f"round{round_number}-{variant.replace(', ', '-').replace(' ', '-')}"
            run = {"variant": variant, "round": round_number, **timed_audit(archive, setup, engine, out, shard_size)}
            if run["scored"] != films:
                raise SystemExit(f"bench_audit: {variant} scored {run['scored']} of {films} films; see {out}")
            log(f"round {round_number} {variant}: scoring {run['scoring_seconds']:.1f} s, whole call {run['wall_seconds']:.1f} s")
            runs.append(run)
    return runs


def median_of(runs: list[dict], variant: str, key: str) -> float:
    """The median of ``key`` over the runs of ``variant``."""
    return statistics.median(run[key] for run in runs if run["variant"] == variant)


# -- 3: index pass -------------------------------------------------------------------------------
def folder_index_setup(setup: ScoringSetup) -> ScoringSetup:
    """``setup`` as the engine hands it to the index tasks of a folder source: ``make_setup``
    fills ``dicomweb`` with the retry settings, which ``index_chunk`` would take for a PACS."""
    return replace(setup, dicomweb=None)


def index_chunks(archive: Path, setup: ScoringSetup) -> list[list]:
    """The archive's files in the chunks the engine hands to ``index_chunk``."""
    return list(AuditSource(str(archive)).chunks(setup, INDEX_CHUNK))


def timed_rounds(index_all, rounds: int) -> dict:
    """Seconds of ``rounds`` calls of ``index_all`` after an untimed one (imports, first reads),
    and the films it kept."""
    kept = index_all()
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        index_all()
        seconds.append(time.perf_counter() - started)
    return {"kept": kept, "seconds": seconds}


def index_here(chunks: list[list], setup: ScoringSetup, rounds: int) -> dict:
    """Seconds of ``index_chunk`` over all ``chunks`` in this process (:func:`timed_rounds`)."""

    def index_all() -> int:
        return sum(len(index_chunk(chunk, setup).films) for chunk in chunks)

    return {"files": sum(map(len, chunks)), **timed_rounds(index_all, rounds)}


def index_on_cluster(chunks: list[list], setup: ScoringSetup, rounds: int, workers: int) -> dict:
    """Seconds of ``index_chunk`` mapped over ``chunks`` on a fresh ``LocalCluster`` of ``workers``
    single-threaded processes (:func:`timed_rounds`)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:  # fmt: skip

        def index_all() -> int:
            return sum(len(result.films) for result in client.gather(client.map(index_chunk, chunks, setup=setup, pure=False)))

        return {"files": sum(map(len, chunks)), "workers": workers, **timed_rounds(index_all, rounds)}


def files_per_second(result: dict) -> float:
    """Files per second of an index result, over its median round."""
    return result["files"] / statistics.median(result["seconds"])


# -- 4: memory -----------------------------------------------------------------------------------
def cxrqa_command() -> list[str]:
    """The ``cxrqa`` console script beside this interpreter (else ``python -m cxrqa.cli``)."""
    script = Path(sys.executable).with_name("cxrqa")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cxrqa.cli"]


def resident_peak(process: psutil.Process) -> int:
    """Bytes of the process's peak resident memory so far (VmHWM where Linux keeps it, else its
    RSS now); 0 when it has ended."""
    try:
        with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def is_worker(process: psutil.Process) -> bool:
    """Whether a descendant of the audit is a worker process (spawned by multiprocessing; the
    resource tracker is not one)."""
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return "spawn_main" in command


def watch_peaks(process: psutil.Popen) -> tuple[int, dict[int, int]]:
    """Poll until ``process`` ends: its peak resident bytes, and each worker's by process id."""
    client, workers = 0, {}
    while process.poll() is None:
        client = max(client, resident_peak(process))
        try:
            children = process.children(recursive=True)
        except psutil.Error:
            children = []
        for child in filter(is_worker, children):
            workers[child.pid] = max(workers.get(child.pid, 0), resident_peak(child))
        time.sleep(POLL_SECONDS)
    return client, workers


def memory_run(sources: list[Path], models: Path, out: Path, films: int) -> dict:
    """A whole ``cxrqa audit`` of ``sources`` with :data:`MEMORY_WORKERS` workers, as a subprocess:
    peak memory of the client and of the largest worker, seconds and films per second."""
    command = [*cxrqa_command(), "audit", *map(str, sources), "--models", str(models), "--out", str(out),
               "--workers", str(MEMORY_WORKERS), "--quiet"]  # fmt: skip
    log_path = out.with_suffix(".log")
    out.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as output:
        started = time.perf_counter()
        process = psutil.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        client, workers = watch_peaks(process)
        seconds = time.perf_counter() - started
    run = json.loads((out / "run.json").read_text()) if process.returncode == 0 else None
    if run is None or run["counts"]["scored"] != films:
        raise SystemExit(f"bench_audit: the audit of {films} films failed or missed films; see {log_path}")
    return {
        "films": films,
        "client_peak_mib": client / 2**20,
        "worker_peak_mib": max(workers.values(), default=0) / 2**20,
        "worker_processes": len(workers),
        "seconds": seconds,
        "films_per_second": run["timings"]["films_per_second"],
    }


# -- report --------------------------------------------------------------------------------------
def figure(name: str, value: float, unit: str, target: str, met: bool | None, measured: str) -> dict:
    """One row of the final table."""
    return {"figure": name, "value": value, "unit": unit, "target": target, "met": met, "measured": measured}


def throughput_figures(runs: list[dict], films: int, shard_size: int) -> list[dict]:
    """Films per second of each engine, the 2 vs 1 worker ratio and the Dask overhead."""
    rounds = max(run["round"] for run in runs)
    where = f"{films} films {THROUGHPUT_SHAPE[0]}x{THROUGHPUT_SHAPE[1]}, shards of {shard_size}, median of {rounds} round(s)"
    scoring = {variant: films / median_of(runs, variant, "scoring_seconds") for variant in VARIANTS}
    whole = {variant: films / median_of(runs, variant, "wall_seconds") for variant in VARIANTS}
    one, two, plain = VARIANTS
    rows = [figure(f"scoring, {variant}", rate, "films/s", "", None, f"scoring pass (run.json scoring_seconds); {where}")
            for variant, rate in scoring.items()]  # fmt: skip
    rows += [
        figure("2 vs 1 workers, scoring pass", scoring[two] / scoring[one], "x", f">= {TARGET_SPEEDUP}",
               scoring[two] / scoring[one] >= TARGET_SPEEDUP, "ratio of the films/s above"),
        figure("2 vs 1 workers, whole call", whole[two] / whole[one], "x", f">= {TARGET_SPEEDUP}",
               whole[two] / whole[one] >= TARGET_SPEEDUP, "run_audit wall time, cluster start and stop included"),
    ]  # fmt: skip
    for label, rates in (("scoring pass", scoring), ("whole call", whole)):
        slowdown = 100 * (rates[plain] / rates[one] - 1)
        rows.append(figure(f"Dask overhead, {label}", slowdown, "%", f"<= {TARGET_OVERHEAD_PERCENT:g}",
                           slowdown <= TARGET_OVERHEAD_PERCENT, f"1-worker cluster slower than the plain loop; {where}"))  # fmt: skip
    for variant in VARIANTS:
        rows.append(figure(f"seconds per film, {variant}", median_of(runs, variant, "mean_film_seconds"), "s", "", None,
                           "mean of the store's seconds column (decode, crop, both models; inside the shard)"))  # fmt: skip
    return rows


def index_figures(here: dict, cluster: dict | None) -> list[dict]:
    """Files per second of the index pass, in this process and on the cluster."""
    where = f"{here['files']} files, chunks of {INDEX_CHUNK}, median of {len(here['seconds'])} round(s)"
    rate = files_per_second(here)
    rows = [figure("index pass, this process", rate, "files/s", f">= {TARGET_INDEX_RATE:g}", rate >= TARGET_INDEX_RATE,
                   f"index_chunk, headers only, one process; {where}")]  # fmt: skip
    if cluster is not None:
        rate = files_per_second(cluster)
        rows.append(figure(f"index pass, {cluster['workers']}-worker cluster", rate, "files/s", f">= {TARGET_INDEX_RATE:g}",
                           rate >= TARGET_INDEX_RATE, f"client.map of index_chunk on a LocalCluster; {where}"))  # fmt: skip
    return rows


def memory_figures(runs: list[dict]) -> list[dict]:
    """Peak memory per archive size, the largest/smallest ratios and the client's growth per film."""
    small, large = runs[0], runs[-1]
    what = f"cxrqa audit --workers {MEMORY_WORKERS} subprocess, films {MEMORY_SHAPE[0]}x{MEMORY_SHAPE[1]}, polled every {POLL_SECONDS} s"
    rows = []
    for run in runs:
        rows.append(figure(f"client peak, {run['films']} films", run["client_peak_mib"], "MiB", "", None, what))
        rows.append(figure(f"worker peak, {run['films']} films", run["worker_peak_mib"], "MiB", "", None,
                           f"largest of {run['worker_processes']} worker process(es)"))  # fmt: skip
        rows.append(figure(f"scoring, 2 workers, {run['films']} films", run["films_per_second"], "films/s", "", None,
                           "run.json films_per_second of that audit"))  # fmt: skip
    for role in ("client", "worker"):
        ratio = large[f"{role}_peak_mib"] / small[f"{role}_peak_mib"]
        rows.append(figure(f"{role} peak, {large['films']} / {small['films']} films", ratio, "x",
                           f"<= {TARGET_MEMORY_RATIO}", ratio <= TARGET_MEMORY_RATIO, "ratio of the peaks above"))  # fmt: skip
    growth = (large["client_peak_mib"] - small["client_peak_mib"]) * 1024 / (large["films"] - small["films"])
    rows.append(figure("client growth per film", growth, "KiB/film", "", None,
                       f"(client peak difference) / {large['films'] - small['films']} films"))  # fmt: skip
    return rows


def print_table(rows: list[dict]) -> None:
    """The figures as one aligned table on stdout."""
    width = max(len(row["figure"]) for row in rows)
    print(f"{'figure':<{width}}  {'value':>10} {'unit':<9} {'target':<8} {'met':<4} measured")
    for row in rows:
        met = "" if row["met"] is None else ("yes" if row["met"] else "NO")
        value = f"{row['value']:.1f}" if abs(row["value"]) >= 10 else f"{row['value']:.3f}"
        print(f"{row['figure']:<{width}}  {value:>10} {row['unit']:<9} {row['target']:<8} {met:<4} {row['measured']}")


# -- main ----------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=400, help="films of the throughput archive (default 400)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the throughput variants (default 2)")
    parser.add_argument("--memory-sizes", type=int, nargs="+", default=[1000, 5000], metavar="N", help="archive sizes of the memory part")
    parser.add_argument("--skip-memory", action="store_true", help="leave out the memory part")
    parser.add_argument("--models", type=Path, default=ROOT / "models", help="models folder (default: models/ of the repository)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every run and figure to FILE")
    parser.add_argument("--work", type=Path, metavar="DIR", help="make the archives and audits under DIR (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the archives and audits")
    args = parser.parse_args()
    args.memory_sizes = sorted(set(args.memory_sizes))
    if not args.skip_memory and len(args.memory_sizes) < 2:
        parser.error("--memory-sizes needs two sizes or more")
    return args


def run_benchmark(args: argparse.Namespace, work: Path) -> dict:
    """Every part of the benchmark in ``work``; returns what ``--json`` writes."""
    torch.set_num_threads(1)  # the plain loop runs here: one thread, as ScoringSetup.threads gives a worker
    models = work / "models"
    report = {"command": shlex.join([sys.executable, *sys.argv]), "cpus": os.cpu_count(), "load_before": os.getloadavg(),
              "models": prepare_models(args.models, models)}  # fmt: skip
    setup, params = make_setup(models, work / "audits", None)  # audit_dir: set per run
    shard_size = params.shard_size
    report["settings"] = {"films": args.films, "film_shape": THROUGHPUT_SHAPE, "shard_size": shard_size, "rounds": args.rounds,
                          "memory_sizes": args.memory_sizes, "memory_film_shape": MEMORY_SHAPE, "memory_workers": MEMORY_WORKERS}  # fmt: skip
    log(f"writing {args.films} films of {THROUGHPUT_SHAPE[0]}x{THROUGHPUT_SHAPE[1]}")
    (archive,) = write_archive(work / "throughput", THROUGHPUT_SHAPE, [args.films])
    report["throughput_runs"] = throughput_runs(archive, setup, args.films, args.rounds, work, shard_size)
    figures = throughput_figures(report["throughput_runs"], args.films, shard_size)
    log("index pass")
    index_setup = folder_index_setup(setup)
    chunks = index_chunks(archive, index_setup)
    report["index_here"] = index_here(chunks, index_setup, max(args.rounds, 3))
    report["index_cluster"] = index_on_cluster(chunks, index_setup, max(args.rounds, 3), MEMORY_WORKERS)
    figures += index_figures(report["index_here"], report["index_cluster"])
    if not args.skip_memory:
        log(f"writing {args.memory_sizes[-1]} films of {MEMORY_SHAPE[0]}x{MEMORY_SHAPE[1]}")
        parts = write_archive(work / "memory", MEMORY_SHAPE, args.memory_sizes)
        report["memory_runs"] = []
        for count, size in enumerate(args.memory_sizes, start=1):
            log(f"memory: cxrqa audit of {size} films")
            report["memory_runs"].append(memory_run(parts[:count], models, work / "audits" / f"memory-{size}", size))
        figures += memory_figures(report["memory_runs"])
    report["load_after"] = os.getloadavg()
    report["figures"] = figures
    return report


def main() -> None:
    args = parse_args()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_audit_", dir=args.work))
    try:
        report = run_benchmark(args, work)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"bench_audit: {report['command']}")
    print(f"bench_audit: {report['cpus']} CPUs, load average {report['load_before'][0]:.2f} before, "
          f"{report['load_after'][0]:.2f} after; models {report['models']}")  # fmt: skip
    print_table(report["figures"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
