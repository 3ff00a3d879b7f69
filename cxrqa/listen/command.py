"""``cxrqa listen``: a DICOM node that scores each chest film as it arrives and stores it with the audit's."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
from pathlib import Path

from cxrqa.cli_options import add_params_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``listen`` subcommand."""
    parser = subparsers.add_parser(
        "listen",
        help="a DICOM Storage SCP: score each CR/DX film as it arrives, into an audit folder",
        description=(
            "A DICOM node (C-STORE SCP, and C-ECHO) for CR and DX films in the usual transfer syntaxes. "
            "Each received film is written whole to a bounded spool and the C-STORE answered at once; a "
            "separate scorer process scores PA chest films on both dimensions, as cxrqa audit does, and appends "
            "them to AUDIT_DIR (so the audit report includes them), then takes them out of the spool. Other "
            "films are recorded in AUDIT_DIR/failures with the reason and not scored. A full spool refuses new "
            "associations (transient, local limit exceeded) and C-STOREs (0xA700): the sender keeps the film. "
            "After a restart the films left in the spool are scored; nothing answered with success is lost. "
            "A film below a cut-off is logged at once (station, dimension, score; no patient identity) and "
            "--on-flag runs a command."
        ),
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on (e.g. 11112)")
    parser.add_argument("--ae-title", default="CXRQA", help="this node's AE title (default: CXRQA)")
    parser.add_argument("--host", default="0.0.0.0", help="address to bind (default: all; 127.0.0.1 for this machine only)")
    parser.add_argument("--models", required=True, type=Path, help="folder with gray_level/best.pt and sharpness/best.pt")
    parser.add_argument("--out", required=True, type=Path, metavar="AUDIT_DIR", help="the audit folder the scores go to")
    parser.add_argument("--spool", type=Path, help="the spool folder (default: AUDIT_DIR/spool)")
    parser.add_argument("--spool-limit", type=int, default=500, help="most films held in the spool (default: 500)")
    parser.add_argument("--on-flag", metavar="COMMAND", help="shell command run for each film below a cut-off "
                        "(environment: CXRQA_SOP_INSTANCE_UID, CXRQA_STATION, CXRQA_DIMENSIONS, CXRQA_GRAY_LEVEL, CXRQA_SHARPNESS)")  # fmt: skip
    parser.add_argument("--sr", action="store_true", help="write a DICOM SR (TID 1500) per scored film to AUDIT_DIR/sr/")
    parser.add_argument("--forward", metavar="HOST:PORT:AET", help="send each SR to this PACS by C-STORE (implies --sr)")
    add_params_option(parser, "audit", "preprocess", default=None)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``cxrqa listen`` until SIGINT or SIGTERM."""
    from cxrqa.audit.command import make_setup
    from cxrqa.listen.results import parse_destination
    from cxrqa.listen.scorer import run_scorer
    from cxrqa.listen.scp import make_ae
    from cxrqa.listen.spool import Spool

    logging.basicConfig(level=logging.INFO, format="%(asctime)s cxrqa listen: %(message)s")
    log = logging.getLogger("cxrqa.listen")
    destination = parse_destination(args.forward) if args.forward else None
    setup, _ = make_setup(args.models, args.out, args.params)
    Path(setup.audit_dir).mkdir(parents=True, exist_ok=True)
    _write_run_json(Path(setup.audit_dir), setup, args.ae_title)
    spool = Spool(args.spool or Path(setup.audit_dir) / "spool", args.spool_limit)
    if removed := spool.clean():
        log.info("removed %d partial file(s) a stopped listener left (never answered with success)", removed)
    ae, handlers = make_ae(args.ae_title, spool)
    scorer = multiprocessing.get_context("spawn").Process(
        target=run_scorer, args=(str(spool.folder), spool.limit, setup),
        kwargs={"parent_pid": os.getpid(), "on_flag": args.on_flag, "sr": args.sr, "forward_to": destination,
                "calling_aet": args.ae_title}, name="cxrqa-listen-scorer",
    )  # fmt: skip
    scorer.start()
    stopping, server = [], None
    try:
        server = ae.start_server((args.host, args.port), block=False, evt_handlers=handlers)
        log.info("listening on %s:%d as %s; %d film(s) waiting in the spool", args.host, args.port, args.ae_title, spool.count())
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.append(True))
        while not stopping and scorer.is_alive():
            scorer.join(timeout=0.5)
    finally:
        if server is not None:
            server.shutdown()
        scorer.terminate()
        scorer.join(timeout=10)
    if not stopping:
        log.error("the scorer stopped (exit code %s); the films in the spool are scored on the next start", scorer.exitcode)
        return 1
    return 0


def _write_run_json(audit_dir: Path, setup, ae_title: str) -> None:
    """Name the models and cut-offs in AUDIT_DIR/run.json when no audit wrote one (the report reads it)."""
    from cxrqa.audit.store import write_run_json

    if not (audit_dir / "run.json").exists():
        write_run_json(audit_dir, {"sources": [f"c-store:{ae_title}"], "counts": {}, **setup.run_facts()})
