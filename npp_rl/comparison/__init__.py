"""npp_rl.comparison: an experiment's runs -> decision matrix, plots, report, ``champion`` alias.

Public API::

    CompareConfig(experiment_name="npp-rl", weights={}, out=None, set_champion=True, strict=False,
                  test_set=None, policy_mode=None, bootstrap_reps=2000, bootstrap_seed=0)
    compare(config) -> run_id            # what ``npp-rl compare`` calls; a ``compare`` MLflow run
    run_compare(config) -> CompareResult(run_id, matrix, champion, out)
    collect_runs(experiment_name, test_set=None, policy_mode=None) -> RunSet   # runs found BY TAGS
    check_comparable(runs)               # CompareError naming the runs when test sets / policy modes differ
    build_matrix(runs, weights=None, reps=2000) -> Matrix(table, per_model, weights, dropped_criteria,
                 categories, scores, levels, improvement, ...)   # statistics: npp_rl.comparison.stats
    DEFAULT_WEIGHTS, parse_weights("success=0.5,latency=0.2")
    choose_champion(runs, matrix, set_alias=True) -> dict
    CompareError                         # no experiment / no runs / nothing evaluated / not comparable

The compare run logs ``report.md``, ``report.html`` (self-contained), ``matrix.csv``, ``models.csv``,
``champion.json`` and the PNGs, metrics ``compare/score/<arch>/<condition>``, and tags
``npp_rl.champion_uri``/``npp_rl.champion_version``. Column and score definitions:
:mod:`npp_rl.comparison.matrix`.
"""

from npp_rl.comparison.collect import CompareError, ModelRecord, RunSet, check_comparable, collect_runs
from npp_rl.comparison.compare import CompareConfig, CompareResult, choose_champion, compare, run_compare
from npp_rl.comparison.matrix import DEFAULT_WEIGHTS, Matrix, build_matrix, parse_weights

__all__ = [
    "DEFAULT_WEIGHTS",
    "CompareConfig",
    "CompareError",
    "CompareResult",
    "Matrix",
    "ModelRecord",
    "RunSet",
    "build_matrix",
    "check_comparable",
    "choose_champion",
    "collect_runs",
    "compare",
    "parse_weights",
    "run_compare",
]
