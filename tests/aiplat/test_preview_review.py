"""aiplat preview as an architecture review: costs per component, policy findings, totals,
and a diagram (Mermaid in Markdown, inline SVG in HTML)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from aiplat.diagram import build_diagram, to_mermaid
from aiplat.review import build_review, owners
from aiplat.stackfiles import load, stack_names
from tiers.model import Target

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.S)


def parse_mermaid(text: str) -> tuple[dict[str, str], list[str], list[tuple[str, str, str]]]:
    """(nodes id->label, subgraph labels, edges); fails on unbalanced subgraphs or edges to
    undeclared nodes."""
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    subgraphs: list[str] = []
    edges = []
    depth = 0
    for line in lines[1:]:
        if m := re.fullmatch(r'subgraph (\w+)\["(.*)"\]', line):
            subgraphs.append(m[2])
            depth += 1
        elif line == "end":
            depth -= 1
            assert depth >= 0
        elif m := re.fullmatch(r'(\w+) -->\|"(.*)"\| (\w+)', line):
            edges.append((m[1], m[3], m[2]))
        elif m := re.fullmatch(r'(\w+)\["(.*)"\]', line):
            nodes[m[1]] = m[2]
        else:
            raise AssertionError(f"unparsed mermaid line: {line!r}")
    assert depth == 0
    for src, dst, _ in edges:
        assert src in nodes and dst in nodes, (src, dst)
    return nodes, subgraphs, edges


def test_the_markdown_review_has_a_diagram_with_regions_clusters_pools_lake_and_both_paths(
    cli, capture
):
    code, out, err = cli("preview", "--stack", "expert-prod", "--format", "md")
    assert code == 0, err
    (block,) = mermaid_blocks(out)
    nodes, subgraphs, edges = parse_mermaid(block)
    cap = capture("expert-prod", True)
    regions = {p.inputs["region"] for p in cap.of_type("pulumi:providers:aws")}
    assert {f"region {r}" for r in regions} <= set(subgraphs)
    clusters = [c.inputs["name"] for c in cap.of_type("aws:eks/cluster:Cluster")]
    assert all(any(c in s for s in subgraphs) for c in clusters)
    pools = cap.of_type(NODE_GROUP)
    assert len([label for label in nodes.values() if " pool: " in label]) == len(pools)
    assert any(label.startswith("lake ") for label in nodes.values())
    labels = {e[2] for e in edges}
    assert {"serving path", "inference logs (data return)", "training data"} <= labels
    for heading in ("## Totals", "## Components", "## Policy findings", "## Cost by priced item"):
        assert heading in out


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_has_a_parseable_diagram(capture, stack):
    parse_mermaid(to_mermaid(build_diagram(capture(stack, True))))


def test_costs_are_assigned_to_the_component_owning_each_priced_resource(capture):
    stack = load("intermediate-prod")
    cap = capture("intermediate-prod", True)
    review = build_review(stack, cap)
    owner = owners(cap)
    pools = {g.urn for g in cap.of_type(NODE_GROUP)}
    assert review.priced
    for item in review.priced:
        if item.ref in pools:
            assert item.component == owner[item.ref]
            assert item.component.endswith("[GpuCluster]")
    by_component = review.cost_by_component()
    assert sum(by_component.values()) == pytest.approx(review.yearly_usd)
    assert review.findings == review.mandatory + review.advisory


def test_the_json_review_carries_components_costs_findings_and_totals(cli):
    code, out, err = cli("preview", "--stack", "poc-prod", "--format", "json")
    assert code == 0, err
    review = json.loads(out)
    totals = review["totals"]
    assert totals["yearly_usd"] > 0 and totals["mandatory"] == 0
    assert totals["monthly_usd"] == pytest.approx(totals["yearly_usd"] / 12, abs=0.01)
    assert sum(c["yearly_usd"] for c in review["components"]) == pytest.approx(
        totals["yearly_usd"], abs=0.1
    )
    assert review["findings"] == []
    assert len(review["resource_list"]) == totals["resources"]


def test_an_on_prem_stack_is_reviewed_without_cloud_prices(capture):
    stack = load("intermediate-onprem")
    assert stack.resolve().target is Target.KUBERNETES
    review = build_review(stack, capture("intermediate-onprem", True))
    assert review.priced == [] and review.yearly_usd == 0
    assert "on-prem deployment, priced by `aiplat tco --stack intermediate-onprem`" in (
        review.pricing_note
    )
    types = {n.rsplit("[", 1)[-1].rstrip("]") for n in review.components}
    assert {"ExistingCluster", "OnPremLake"} <= types


def test_the_html_review_is_self_contained_with_an_inline_svg_diagram(cli, tmp_path):
    target = tmp_path / "review.html"
    code, out, err = cli(
        "preview", "--stack", "intermediate-prod", "--format", "html", "--out", str(target)
    )
    assert code == 0 and out == "", err
    html = target.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""(src|href)=["']https?:""", html), "nothing loads from the network"
    svg = re.search(r"<svg .*?</svg>", html, flags=re.S)[0]
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert any(t and " pool: " in t for t in texts)
    assert {"serving path", "inference logs (data return)"} <= texts
    assert "<h2>Policy findings</h2>" in html and "<h2>Totals</h2>" in html
    assert "<code>aiplat:cluster:GpuCluster</code>" in html  # the resource tree


def test_the_html_review_renders_in_headless_chromium(cli, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    page = tmp_path / "review.html"
    shot = tmp_path / "review.png"
    code, _, err = cli("preview", "--stack", "poc-prod", "--format", "html", "--out", str(page))
    assert code == 0, err
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1400,1000",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert shot.stat().st_size > 10_000


def test_bad_format_is_one_line_and_exit_1(cli):
    code, out, err = cli("preview", "--stack", "poc-dev", "--format", "pdf")
    assert code == 1 and out == ""
    assert "unknown value 'pdf'" in err and err.strip().count("\n") == 0
