"""The diagnose-api command, run as a real subprocess on real log files."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from diagnose_api.cli import main
from server import free_port

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "data" / "logs"
COMMAND = [sys.executable, "-m", "diagnose_api.cli"]
OVERFIT_CSV = "epoch,loss,val_loss\n" + "".join(
    f"{epoch},{train},{val}\n"
    for epoch, (train, val) in enumerate(
        zip(
            [1.08, 0.82, 0.65, 0.52, 0.39, 0.28, 0.19, 0.12, 0.07],
            [1.07, 1.0, 0.98, 1.0, 1.03, 1.1, 1.16, 1.27, 1.35],
        )
    )
)
START_TIMEOUT = 30.0


def run_in_process(
    capsys: pytest.CaptureFixture[str], *args: str | Path
) -> tuple[int, str, str]:
    """Run main() in this process; faster than a subprocess for option checks."""
    try:
        code = main([str(arg) for arg in args])
    except SystemExit as exit:
        code = int(exit.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *map(str, args)],
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.fixture()
def overfit_csv(tmp_path: Path) -> Path:
    path = tmp_path / "overfit.csv"
    path.write_text(OVERFIT_CSV)
    return path


@pytest.fixture()
def broken_csv(tmp_path: Path) -> Path:
    path = tmp_path / "broken.csv"
    path.write_text("epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,abc\n")
    return path


def test_check_prints_reports(overfit_csv: Path) -> None:
    result = run("check", LOGS / "keras_csvlogger.csv", LOGS / "hf_run", overfit_csv)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert f"{LOGS / 'hf_run'} (hf_trainer_state, 6 epochs)" in out
    assert "best        epoch 4 (step 52), eval_loss 0.2765" in out
    assert "status      overfitting" in out
    assert "risk        " in out
    assert "divergence  epoch" in out
    assert "loss curves" in out
    assert "t loss   v val_loss" in out
    assert "[high] val_loss_rising:" in out
    assert "1. early_stopping:" in out
    assert "keras: monitor=val_loss" in out


def test_check_json_parses(overfit_csv: Path) -> None:
    result = run(
        "check", "--json", overfit_csv, LOGS / "hf_trainer_state_eval_nan.json"
    )
    document = json.loads(result.stdout, parse_constant=reject_constant)
    files = {Path(entry["path"]).name: entry for entry in document["files"]}

    assert result.returncode == 0
    assert files["overfit.csv"]["diagnosis"]["status"] == "overfitting"
    assert files["overfit.csv"]["format"] == "keras_csv"
    nan_run = files["hf_trainer_state_eval_nan.json"]
    assert nan_run["diagnosis"]["status"] == "diverged"
    assert nan_run["diagnosis"]["best_step"] == 27
    assert nan_run["error"] is None


def reject_constant(token: str) -> None:
    raise AssertionError(f"output carries the non-standard JSON token {token}")


def test_fail_on_reached_exits_1(overfit_csv: Path) -> None:
    result = run("check", "--fail-on", "high", overfit_csv)

    assert result.returncode == 1, result.stderr
    assert "(severe)" in result.stdout


def test_fail_on_not_reached_exits_0() -> None:
    result = run("check", "--fail-on", "low", LOGS / "keras_csvlogger.csv")

    assert result.returncode == 0, result.stderr
    assert "(none)" in result.stdout


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("none", 0), ("low", 1), ("moderate", 1), ("high", 1), ("severe", 1)],
)
def test_fail_on_levels(
    capsys: pytest.CaptureFixture[str], overfit_csv: Path, fail_on: str, code: int
) -> None:
    status, out, _ = run_in_process(capsys, "check", "--fail-on", fail_on, overfit_csv)

    assert status == code
    assert "(severe)" in out


def test_unreadable_file_exits_2_with_line(overfit_csv: Path, broken_csv: Path) -> None:
    result = run("check", "--fail-on", "low", broken_csv, overfit_csv)

    assert result.returncode == 2
    assert f"{broken_csv}: Invalid keras_csv input at line 3:" in result.stderr
    assert "status      overfitting" in result.stdout


def test_unreadable_file_in_json(broken_csv: Path) -> None:
    result = run("check", "--json", broken_csv)
    entry = json.loads(result.stdout)["files"][0]

    assert result.returncode == 2
    assert entry["diagnosis"] is None
    assert entry["error"]["line"] == 3
    assert "line 3" in entry["error"]["message"]


def test_missing_path_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_in_process(capsys, "check", tmp_path / "nope.csv")

    assert code == 2
    assert "expected an existing file or folder" in err


def test_too_short_log_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "short.csv"
    path.write_text("epoch,loss\n0,0.5\n1,0.4\n")
    code, _, err = run_in_process(capsys, "check", path)

    assert code == 2
    assert f"{path}: Only 2 epoch(s)" in err


def test_monitor_option_names_flag(
    capsys: pytest.CaptureFixture[str], overfit_csv: Path
) -> None:
    code, _, err = run_in_process(capsys, "check", "--monitor", "val_acc", overfit_csv)

    assert code == 2
    assert "--monitor: 'val_acc' is not a series" in err


def test_options_reach_stop_rules(
    capsys: pytest.CaptureFixture[str], overfit_csv: Path
) -> None:
    _, out, _ = run_in_process(
        capsys, "check", "--json", "--patience", "2", "--min-delta", "0.01", overfit_csv
    )
    keras = json.loads(out)["files"][0]["diagnosis"]["early_stopping"]["keras"]

    assert keras["parameters"]["patience"] == 2
    assert keras["parameters"]["min_delta"] == 0.01
    assert keras["stopped_epoch"] == 5


def test_bad_option_is_usage_error(
    capsys: pytest.CaptureFixture[str], overfit_csv: Path
) -> None:
    code, _, err = run_in_process(capsys, "check", "--smoothing", "1.5", overfit_csv)

    assert code == 2
    assert "argument --smoothing:" in err


def test_format_flag_on_file(
    capsys: pytest.CaptureFixture[str], overfit_csv: Path
) -> None:
    code, _, err = run_in_process(
        capsys, "check", "--format", "lightning_csv", overfit_csv
    )

    assert code == 2
    assert "Invalid lightning_csv input" in err


def test_format_flag_on_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_in_process(capsys, "check", "--format", "keras_csv", tmp_path)

    assert code == 2
    assert "--format" in err


def test_output_folder_names_checkpoint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The real output folder with its trainer_state.json replaced by the
    # hand-derived NaN variant (see tests/api/test_trainer_runs.py).
    run_dir = tmp_path / "hf_run"
    shutil.copytree(LOGS / "hf_run", run_dir)
    shutil.copy(LOGS / "hf_trainer_state_eval_nan.json", run_dir / "trainer_state.json")
    code, out, _ = run_in_process(capsys, "check", "--json", run_dir)
    diagnosis = json.loads(out)["files"][0]["diagnosis"]
    restore = next(
        r
        for r in diagnosis["recommendations"]
        if r["action"] == "restore_best_checkpoint"
    )

    assert code == 0
    assert restore["parameters"]["checkpoint"] == "checkpoint-27"
    assert restore["parameters"]["checkpoint_path"] == "hf_run/checkpoint-27"


def test_openapi_prints_committed_document() -> None:
    result = run("openapi")

    assert result.returncode == 0
    assert result.stdout == (ROOT / "openapi.yaml").read_text()


def test_installed_script_runs() -> None:
    script = Path(sys.executable).parent / "diagnose-api"
    result = subprocess.run(
        [str(script), "check", str(LOGS / "lightning_metrics.csv")],
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "(lightning_csv, 6 epochs)" in result.stdout


def test_serve_execs_gunicorn(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, log_path.read_text()
    assert "Booting worker" in log_path.read_text()


def wait_for_health(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    return False
