"""``cxrqa audit`` end to end: what it scores, skips and records; resume, kills, real Dask, identity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxrqa.audit.command import make_setup
from cxrqa.audit.engine import EngineSpec, run_audit
from cxrqa.cli import main
from cxrqa.config import as_dict, load_section
from tests.audit.builders import SENTINELS, save_models, write_archive, write_film

CXRQA = [sys.executable, "-m", "cxrqa.cli"]
#: Columns that are timings of a shared machine, not results.
TIMING_COLUMNS = ["seconds"]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    return save_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("archive")
    return folder, write_archive(folder, n_films=12)


def audit_inline(sources, out: Path, models: Path, **options):
    setup, params = make_setup(models, out, None, **options)
    return run_audit([str(s) for s in sources], setup, EngineSpec(kind="inline"), shard_size=4, progress=False)


def scores(out: Path) -> pd.DataFrame:
    frame = pd.read_parquet(out / "scores").drop(columns=TIMING_COLUMNS)
    frame["study_month"] = frame["study_month"].astype(str)
    return frame.sort_values("sop_instance_uid").reset_index(drop=True)


def failures(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "failures").sort_values("source").reset_index(drop=True)


def params_file(tmp_path: Path, preprocess: dict | None = None, **audit_changes) -> Path:
    """A parameter file with the default sections, ``audit_changes`` in the audit section and
    ``preprocess`` in the preprocess section."""
    data = {name: as_dict(load_section(None, name)) for name in ("audit", "preprocess")}
    data["audit"].update(audit_changes)
    data["preprocess"].update(preprocess or {})
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(json.loads(json.dumps(data))))
    return path


def test_scores_the_pa_chest_films_and_accounts_for_every_other_file(archive, models, tmp_path):
    folder, expected = archive
    summary = audit_inline([folder], tmp_path / "audit", models)
    table = scores(tmp_path / "audit")
    assert len(table) == expected["scored"] == summary.scored
    assert table["sop_instance_uid"].is_unique
    assert summary.skipped == {"view_position": 1, "body_part": 1, "for_processing": 1, "modality": 1}
    assert summary.view_position_absent == 1
    failed = failures(tmp_path / "audit")
    assert sorted(failed["reason"]) == ["not_dicom", "not_dicom", "truncated_pixel_data"]  # text, empty, cut
    assert summary.seen == expected["scored"] + expected["skipped"] + expected["failed"]
    assert set(table["study_month"]) == {"2025-01", "2025-02", "2025-03"}
    assert table["deviation_index"].eq(0.0).all() and table["deviation_index_source"].eq("computed").all()
    assert table["device_key"].nunique() == 2  # two stations
    assert table[["gray_level", "sharpness"]].notna().all().all()
    assert (table["gray_level_acceptable"] == (table["gray_level"] >= 7.0)).all()
    run = json.loads((tmp_path / "audit" / "run.json").read_text())
    assert run["counts"]["scored"] == expected["scored"] and run["engine"]["kind"] == "inline"


def test_a_rerun_scores_nothing_again_and_changes_no_row(archive, models, tmp_path):
    folder, expected = archive
    audit_inline([folder], tmp_path / "audit", models)
    first = scores(tmp_path / "audit")
    again = audit_inline([folder], tmp_path / "audit", models)
    assert again.scored == 0 and sum(again.failed.values()) == 0
    assert again.already_done == expected["scored"] + expected["failed"]
    pd.testing.assert_frame_equal(scores(tmp_path / "audit"), first)
    assert len(failures(tmp_path / "audit")) == expected["failed"]


def test_new_models_score_the_films_again_beside_the_old_rows(archive, models, tmp_path):
    folder, expected = archive
    audit_inline([folder], tmp_path / "audit", models)
    retrained = save_models(tmp_path / "retrained", seed=7)
    summary = audit_inline([folder], tmp_path / "audit", retrained)
    assert summary.scored == expected["scored"]
    assert scores(tmp_path / "audit")["gray_level_model"].nunique() == 2


def test_the_same_film_twice_is_scored_once(models, tmp_path):
    film = write_film(tmp_path / "a" / "film.dcm", 1)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "copy.dcm").write_bytes(film.read_bytes())
    summary = audit_inline([tmp_path / "a", tmp_path / "b"], tmp_path / "audit", models)
    assert summary.scored == 1 and summary.skipped["duplicate"] == 1


def test_dates_outside_since_until_are_skipped(archive, models, tmp_path):
    import datetime as dt

    folder, _ = archive
    summary = audit_inline([folder], tmp_path / "audit", models, since=dt.date(2025, 2, 1), until=dt.date(2025, 2, 28))
    assert set(scores(tmp_path / "audit")["study_month"]) == {"2025-02"}
    assert summary.skipped["outside_dates"] >= 8


def test_operator_pseudonym_only_with_a_key_kept_outside_the_audit(archive, models, tmp_path, capsys):
    folder, _ = archive
    key = tmp_path / "operator.key"
    key.write_bytes(os.urandom(32).hex().encode())
    audit_inline([folder], tmp_path / "audit", models, operator_key=key)
    operators = scores(tmp_path / "audit")["operator"]
    assert operators.str.fullmatch("[0-9a-f]{16}").all() and operators.nunique() == 1
    inside = tmp_path / "audit2" / "k.key"
    inside.parent.mkdir()
    inside.write_bytes(key.read_bytes())
    assert main(["audit", str(folder), "--models", str(models), "--out", str(inside.parent), "--operator-key", str(inside)]) == 2
    assert "inside the audit folder" in capsys.readouterr().err


def test_bad_arguments_are_one_line_errors(archive, models, tmp_path, capsys):
    folder, _ = archive
    assert main(["audit", str(tmp_path / "nowhere"), "--models", str(models), "--out", str(tmp_path / "a")]) == 2
    assert "source not found" in capsys.readouterr().err
    assert main(["audit", str(folder), "--models", str(tmp_path), "--out", str(tmp_path / "a")]) == 2
    assert "no gray_level model" in capsys.readouterr().err
    assert main(["audit", str(folder), "--models", str(models), "--out", str(tmp_path / "a"),
                 "--since", "2025-03-01", "--until", "2025-01-01"]) == 2  # fmt: skip
    assert "after --until" in capsys.readouterr().err


# -- real Dask: embedded cluster, an external scheduler and workers, kills ------------------------
def run_cli(args: list[str], *, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([*CXRQA, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_embedded_cluster_and_external_scheduler_write_the_same_rows_as_the_plain_loop(archive, models, tmp_path):
    folder, expected = archive
    audit_inline([folder], tmp_path / "inline", models)
    embedded = run_cli(["audit", str(folder), "--models", str(models), "--out", str(tmp_path / "embedded"),
                        "--workers", "2", "--shard-size", "3", "--quiet"])  # fmt: skip
    assert embedded.returncode == 0, embedded.stderr
    scheduler_file = tmp_path / "scheduler.json"
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--host", "127.0.0.1", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        external = run_cli(["audit", str(folder), "--models", str(models), "--out", str(tmp_path / "external"),
                            "--scheduler", address, "--shard-size", "3", "--quiet"])  # fmt: skip
        assert external.returncode == 0, external.stderr
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    inline = scores(tmp_path / "inline")
    assert len(inline) == expected["scored"]
    pd.testing.assert_frame_equal(scores(tmp_path / "embedded"), inline)
    pd.testing.assert_frame_equal(scores(tmp_path / "external"), inline)
    run = json.loads((tmp_path / "external" / "run.json").read_text())
    assert run["engine"]["kind"] == "scheduler" and run["engine"]["workers"] == 2


def test_a_run_killed_at_any_point_and_rerun_ends_with_the_uninterrupted_rows(models, tmp_path):
    folder = tmp_path / "archive"
    write_archive(folder, n_films=24, extras=False)
    audit_inline([folder], tmp_path / "reference", models)
    reference = scores(tmp_path / "reference")
    out = tmp_path / "killed"
    command = [*CXRQA, "audit", str(folder), "--models", str(models), "--out", str(out), "--workers", "2",
               "--shard-size", "2", "--quiet"]  # fmt: skip
    for wait_for_parts in (0, 3):  # killed while starting, then killed with some shards written
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(out.glob("scores/*/part-*.parquet"))) < wait_for_parts:
            time.sleep(0.05)
        if wait_for_parts == 0:
            time.sleep(1.0)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    written_before = len(pd.read_parquet(out / "scores")) if (out / "scores").exists() else 0
    assert 0 < written_before < len(reference)  # the kill came mid-run
    finished = run_cli(command[3:])
    assert finished.returncode == 0, finished.stderr
    pd.testing.assert_frame_equal(scores(out), reference)
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["already_done"] == written_before
    assert not list(out.rglob(".*.tmp"))


PREPARE_IMAGE_PRELOAD = '''
import os
import time
from pathlib import Path

import cxrqa.preprocess.pipeline as pipeline

if not hasattr(pipeline, "_unpatched_prepare_image"):  # Dask may run a preload more than once
    pipeline._unpatched_prepare_image = pipeline.prepare_image
{on_start}


def prepare_image(task, params):
{on_read}
    return pipeline._unpatched_prepare_image(task, params)


pipeline.prepare_image = prepare_image
'''


def worker_preload(on_read: str, on_start: str = "") -> str:
    """The source of a Dask worker preload: ``on_start`` runs once when the worker process starts,
    ``on_read`` before each film is prepared (``task.path`` is the film)."""
    def body(code: str) -> str:
        return textwrap.indent(textwrap.dedent(code).strip(), "    ")

    return PREPARE_IMAGE_PRELOAD.format(on_start=body(on_start), on_read=body(on_read))


KILLER = worker_preload(on_read="""
    if "killer" in str(task.path):
        os._exit(17)  # a decoder crash: the worker process dies
    if "sleeper" in str(task.path):
        time.sleep(3600)  # a decoder that hangs
""")


def test_files_that_kill_or_hang_workers_end_in_failures_and_no_identity_leaves(archive, models, tmp_path):
    folder = tmp_path / "archive"
    write_archive(folder, n_films=6)
    write_film(folder / "2025-01" / "killer.dcm", 99)
    write_film(folder / "2025-02" / "sleeper.dcm", 98)
    preload = tmp_path / "killer_preload.py"
    preload.write_text(KILLER)
    key = tmp_path / "operator.key"
    key.write_bytes(b"0123456789abcdef0123456789abcdef")
    out = tmp_path / "audit"
    result = run_cli(
        ["audit", str(folder), "--models", str(models), "--out", str(out), "--workers", "2", "--shard-size", "3",
         "--params", str(params_file(tmp_path, allowed_failures=1, preprocess={"file_timeout_s": 10})),
         "--operator-key", str(key)],
        env={"DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(preload)])},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    failed = failures(out)
    crashed = failed[failed["reason"] == "crashed"]
    assert sorted(Path(source).name for source in crashed["source"]) == ["killer.dcm", "sleeper.dcm"]
    assert len(scores(out)) == 7  # 6 films and the one without View Position: the killer's shard-mates too
    written = [path.read_bytes() for path in out.rglob("*") if path.is_file()]
    logs = (result.stdout + result.stderr).encode()
    for name, value in SENTINELS.items():
        for blob in (*written, logs):
            assert value.encode() not in blob, f"{name} leaked"
            assert value.replace("^", " ").encode() not in blob, f"{name} leaked"


def audit_with_one_worker_death(tmp_path: Path, models: Path, on_restart: str) -> tuple[subprocess.CompletedProcess, Path]:
    """``cxrqa audit`` of 4 films and one that ends its worker the first time it is read, on one
    worker whose restart after that death runs ``on_restart`` first."""
    folder = tmp_path / "archive"
    write_archive(folder, n_films=4, extras=False)
    write_film(folder / "2025-01" / "dies-once.dcm", 97)
    preload = tmp_path / "restart_preload.py"
    died = tmp_path / "died"
    died_in_preload = f"Path({str(died)!r})"  # the same marker file, as the preload's source names it
    preload.write_text(worker_preload(
        on_start=f"""
            if {died_in_preload}.exists():  # the worker started after the death
                {on_restart}
        """,
        on_read=f"""
            if "dies-once" in str(task.path) and not {died_in_preload}.exists():
                {died_in_preload}.touch()
                os._exit(17)
        """,
    ))  # fmt: skip
    out = tmp_path / "audit"
    result = run_cli(
        ["audit", str(folder), "--models", str(models), "--out", str(out), "--workers", "1", "--shard-size", "2"],
        env={"DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(preload)])},
    )  # fmt: skip
    assert died.exists()  # the film did end its worker
    return result, out


@pytest.mark.timeout(300)
def test_a_worker_restarting_slower_than_the_lost_worker_timeout_is_waited_for(models, tmp_path):
    # By default Dask's LocalCluster closes a lost worker's nanny when no worker of its name is
    # back after distributed.deploy.lost-worker-timeout (15 s); this restart takes longer, as a
    # restart can on a busy machine.
    result, out = audit_with_one_worker_death(tmp_path, models, on_restart="time.sleep(20)")
    assert result.returncode == 0, result.stderr
    assert len(scores(out)) == 5  # the film that ended its worker once is scored on the retry
    assert not (out / "failures").exists() or failures(out).empty


@pytest.mark.timeout(300)
def test_an_embedded_cluster_left_without_workers_ends_the_audit_with_an_error(models, tmp_path):
    result, _ = audit_with_one_worker_death(tmp_path, models, on_restart="raise RuntimeError('cannot start')")
    assert result.returncode == 1
    assert "cxrqa audit: error: every worker of the embedded cluster has stopped" in result.stderr
    assert "run the same command again" in result.stderr


def test_a_pacs_audited_over_dicomweb_gives_the_rows_of_its_files(archive, models, orthanc, tmp_path):
    folder, expected = archive
    films = [path for path in sorted(folder.rglob("*.dcm")) if path.parent.name != "other" or path.stem == "noview"]
    assert orthanc.upload(films) == len(films) == expected["scored"]
    orthanc.upload([folder / "other" / name for name in ("lateral.dcm", "ct.dcm", "hand.dcm")])
    audit_inline([folder], tmp_path / "folder", models)
    summary = audit_inline([orthanc.dicomweb_url], tmp_path / "pacs", models)
    assert summary.scored == expected["scored"]
    assert summary.skipped == {"view_position": 1, "body_part": 1}  # the CT is not asked for: QIDO asks CR and DX
    pacs, local = scores(tmp_path / "pacs"), scores(tmp_path / "folder")
    assert pacs["source"].str.startswith(orthanc.dicomweb_url + "/studies/").all()
    pd.testing.assert_frame_equal(pacs.drop(columns="source"), local.drop(columns="source"))
    again = audit_inline([orthanc.dicomweb_url], tmp_path / "pacs", models)
    assert again.scored == 0 and again.already_done == expected["scored"]


def test_films_of_a_folder_and_a_pacs_in_one_audit_are_each_read_from_their_own_source(models, orthanc, tmp_path):
    write_archive(tmp_path / "archive", n_films=12, extras=False)
    on_pacs = sorted((tmp_path / "archive").glob("2025-0[12]/*.dcm"))
    assert orthanc.upload(on_pacs) == 8
    summary = audit_inline([tmp_path / "archive" / "2025-03", orthanc.dicomweb_url], tmp_path / "mixed", models)
    assert summary.scored == 12 and not summary.failed
    table = scores(tmp_path / "mixed")
    from_pacs = table["source"].str.startswith("http://")
    assert from_pacs.sum() == 8 and set(table.loc[~from_pacs, "study_month"]) == {"2025-03"}
