"""Multi-value flags take the design's space-separated form as well as commas and repeats."""

from __future__ import annotations

import click
from click.testing import CliRunner

from npp_rl.cli import main
from npp_rl.cli._common import Greedy, split_names


@click.command()
@click.option("--architectures", cls=Greedy, required=True)
@click.option("--seeds", cls=Greedy, default=("0",))
@click.option("--flag", is_flag=True)
def _probe(architectures, seeds, flag):
    click.echo(f"{split_names(architectures)}|{split_names(seeds)}|{flag}")


def test_greedy_option_takes_space_separated_commas_and_repeats():
    r = CliRunner()
    assert r.invoke(_probe, ["--architectures", "gcn", "gat", "--seeds", "0", "1", "2", "--flag"]).output.strip() \
        == "['gcn', 'gat']|['0', '1', '2']|True"
    assert r.invoke(_probe, ["--architectures", "gcn,gat", "--architectures", "mlp"]).output.strip() \
        == "['gcn', 'gat', 'mlp']|['0']|False"
    bad = r.invoke(_probe, ["--seeds", "1"])
    assert bad.exit_code == 2 and "--architectures" in bad.output


def test_sweep_refuses_an_unknown_architecture_given_space_separated(tmp_path):
    """The real command parses `--architectures A B --seeds 0 1` and names the unknown architecture."""
    ds = tmp_path / "ds"
    ds.mkdir()
    res = CliRunner().invoke(main, ["sweep", "--experiment-name", "x", "--architectures", "mlp_baseline", "nope",
                                    "--seeds", "0", "1", "--train-dataset", str(ds), "--test-dataset", str(ds),
                                    "--backend", "local", "--tracking-uri", f"sqlite:///{tmp_path}/m.db"])
    assert res.exit_code != 0
    assert "nope" in res.output
