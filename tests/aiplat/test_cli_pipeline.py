"""aiplat pipeline compile: the reference pipeline's IR to stdout or --out; bad input is one
line on stderr and exit code 1."""

from __future__ import annotations

import yaml

from pipelines.reference import parse_ir


def test_compile_writes_the_ir_to_stdout(cli):
    code, out, err = cli("pipeline", "compile")
    assert code == 0, err
    spec, platform = parse_ir(out)
    assert spec["pipelineInfo"]["name"] == "aiplat-reference"
    assert "deploy-canary" in spec["root"]["dag"]["tasks"]
    assert platform["platforms"]["kubernetes"]


def test_compile_writes_the_ir_to_a_file_with_out(cli, tmp_path):
    target = tmp_path / "pipeline.yaml"
    code, out, err = cli("pipeline", "compile", "--out", str(target), "--canary-percent", "25")
    assert (code, out) == (0, ""), err
    spec = next(yaml.safe_load_all(target.read_text()))
    assert spec["root"]["inputDefinitions"]["parameters"]["canary_percent"]["defaultValue"] == 25


def test_compile_takes_the_training_pool_from_a_stack(cli):
    code, out, err = cli("pipeline", "compile", "--stack", "advanced-prod")
    assert code == 0, err
    _, platform = parse_ir(out)
    train = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-train-model"]
    assert train["nodeSelector"]["labels"] == {"aiplat.io/pool": "training"}


def test_a_bad_canary_share_is_one_line_and_exit_1(cli):
    code, out, err = cli("pipeline", "compile", "--canary-percent", "150")
    assert code == 1 and out == ""
    assert err == (
        "error: pipeline.canary_percent: must be between 1 and 99 (got 150); "
        "fix: a canary takes part of the traffic, e.g. 10\n"
    )


def test_an_unknown_stack_is_one_line_and_exit_1(cli):
    code, out, err = cli("pipeline", "compile", "--stack", "nope")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: --stack: unknown stack 'nope'")
