"""``cxrqa audit``: score every PA chest film of archives or PACS into an audit folder."""

from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path

from cxrqa.cli_options import add_params_option, add_progress_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audit`` subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="score every PA chest film of an archive or a PACS (Dask; resumable)",
        description=(
            "Score the gray-level and the sharpness of every PA chest film for presentation found in the "
            "SOURCEs, on an embedded Dask cluster (one worker process per core) or an existing one.\n\n"
            "SOURCE: a folder (walked lazily, one folder listing at a time), a file, or a DICOMweb base URL "
            "(http(s)://host/dicom-web: QIDO-RS search of the CR and DX instances within --since/--until, "
            "WADO-RS retrieval; only the requests you name leave the machine).\n"
            "Index pass (headers only): keeps Modality CR/DX, Body Part CHEST or absent, View Position PA "
            "or absent, not FOR PROCESSING; everything else is counted as skipped with its reason. "
            "Scoring pass: decode, crop, resize and score both dimensions, shard by shard.\n"
            "Writes: AUDIT_DIR/scores/study_month=YYYY-MM/*.parquet (one row per film: header facts, "
            "device key, EI/EI_T/DI, both scores, acceptability at the cut-offs, model digests, seconds), "
            "AUDIT_DIR/failures/*.parquet (one row per unusable file, with the reason codes of cxrqa "
            "preprocess), AUDIT_DIR/run.json (counts, timings, engine, models).\n"
            "Resume: a rerun on the same AUDIT_DIR scores only the films not yet there with these models. "
            "No patient or operator identity is written; --operator-key adds a keyed pseudonym of the operator."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="folders, files or DICOMweb base URLs")
    parser.add_argument("--models", required=True, type=Path, help="folder with gray_level/best.pt and sharpness/best.pt")
    parser.add_argument("--out", required=True, type=Path, metavar="AUDIT_DIR", help="the audit folder (created; reused to resume)")
    add_params_option(parser, "audit", "preprocess", default=None)
    parser.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (default: an embedded LocalCluster)")
    parser.add_argument("--workers", type=int, help="worker processes of the embedded cluster (default: params, 0 = one per core)")
    parser.add_argument("--since", type=_date, metavar="DATE", help="first study date, YYYY-MM-DD (inclusive)")
    parser.add_argument("--until", type=_date, metavar="DATE", help="last study date, YYYY-MM-DD (inclusive)")
    parser.add_argument("--shard-size", type=int, metavar="N", help="films per shard (default: params)")
    parser.add_argument(
        "--operator-key", type=Path, metavar="FILE",
        help="a secret key file, outside AUDIT_DIR: adds the operator column, an HMAC pseudonym of Operators' Name",
    )  # fmt: skip
    add_progress_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa audit``."""
    from cxrqa.audit.engine import AuditSource, EngineSpec, run_audit
    from cxrqa.io.pool import worker_count

    for source in args.sources:
        if not AuditSource(source).is_dicomweb and not Path(source).exists():
            raise FileNotFoundError(f"source not found: {source}")
    setup, params = make_setup(
        args.models, args.out, args.params, since=args.since, until=args.until, operator_key=args.operator_key,
        overrides={"shard_size": args.shard_size, "workers": args.workers},
    )  # fmt: skip
    engine = EngineSpec(
        kind="scheduler" if args.scheduler else "local",
        workers=worker_count(params.workers),
        address=args.scheduler,
        allowed_failures=params.allowed_failures,
        max_requests=params.max_requests,
        http_retries=params.http_retries,
        http_backoff_s=params.http_backoff_s,
    )
    summary = run_audit(args.sources, setup, engine, shard_size=params.shard_size, progress=not args.no_progress)
    counts = summary.as_dict()
    print(
        f"cxrqa audit: {counts['seen']} files seen, {counts['scored']} scored, "
        f"{sum(counts['skipped'].values())} skipped, {sum(counts['failed'].values())} failed, "
        f"{counts['already_done']} already done -> {args.out}"
    )
    return 0


def make_setup(
    models: Path,
    out: Path,
    params_file: Path | None,
    *,
    since: _dt.date | None = None,
    until: _dt.date | None = None,
    operator_key: Path | None = None,
    overrides: dict | None = None,
):
    """What the workers need (:class:`~cxrqa.audit.shard.ScoringSetup`) and the ``audit`` section.

    The models are read and checked once here, before any worker starts (swapped folders, a
    corrupt checkpoint: :func:`cxrqa.scoring.load_scorers`), and named by their digests.

    Raises
    ------
    ConfigError, ValueError, FileNotFoundError
        For bad parameters, models, dates or key file.
    """
    from cxrqa.audit.shard import ScoringSetup
    from cxrqa.config import load_section
    from cxrqa.scoring import checkpoint_digest, checkpoint_path, load_scorers, scoring_preprocess

    params = load_section(params_file, "audit", overrides)
    if since and until and since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    scorers = load_scorers(models)
    preprocess = scoring_preprocess(params_file, models, {d: s.checkpoint for d, s in scorers.items()})
    setup = ScoringSetup(
        audit_dir=str(Path(out).resolve()),
        models=str(Path(models).resolve()),
        digests={dimension: checkpoint_digest(checkpoint_path(Path(models), dimension)) for dimension in scorers},
        preprocess=preprocess,
        cutoffs={"gray_level": params.cutoff.gray_level, "sharpness": params.cutoff.sharpness},
        since=since,
        until=until,
        operator_key=_operator_key(operator_key, Path(out)),
    )
    return setup, params


def _date(text: str) -> _dt.date:
    for layout in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return _dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")


def _operator_key(path: Path | None, audit_dir: Path) -> bytes | None:
    """The operator pseudonym's key, read from a file that must lie outside the audit folder."""
    if path is None:
        return None
    key_file, folder = path.resolve(), audit_dir.resolve()
    if key_file == folder or folder in key_file.parents:
        raise ValueError(f"--operator-key {path} lies inside the audit folder {audit_dir}: keep the key elsewhere")
    key = key_file.read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"--operator-key {path}: the key must hold at least 16 bytes")
    return key
