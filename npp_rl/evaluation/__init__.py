"""npp_rl.evaluation: a policy on a test suite per category, episode videos, the inference benchmark.

Public API::

    EvalConfig(model, test_dataset, experiment_name="npp-rl", episodes_per_level=1,
               deterministic=True, n_envs=32, seed=0, videos=True, ...)
    evaluate(config) -> run_id           # what ``npp-rl evaluate`` calls; an ``evaluate`` MLflow run
    evaluate_experiment(experiment_name, test_dataset, run_ids=None, skip_evaluated=True, **config)
        -> {train_run_id: eval_run_id}   # every (or the given, or the children of a parent) training run
    resolve_model(model) -> ResolvedModel(uri, train_run_id, tags)   # run id / models:/ / runs:/
    load_suite(path, split="test") -> TestSuite   # levels, category, reference solution length
    run_episodes(policy_fn, suite, modalities, episodes_per_level=1, n_envs=32) -> [Episode]
    summarize(episodes) -> {category|"overall": metrics};  flat_metrics(summary) -> {"eval/<cat>/<m>": v}
    wilson_interval(successes, n) -> (low, high)
    BenchConfig(...), bench_inference(config) -> dict; log_bench(result, experiment_name) -> run_id

What the evaluate run records: metrics ``eval/<category>/{success_rate, success_ci_low,
success_ci_high, steps_mean, steps_median, frames_mean, efficiency, spl, death_rate, safety,
deaths/<cause>, timeout_rate, mean_reward, episodes, levels}`` (``<category>`` includes ``overall``),
``perf/latency_ms_b1_p50|p95``, ``model/parameters``; ``eval_results.json`` (summary and every
episode); ``videos/<category>/<category>_{success,failure}.gif``; tags ``npp_rl.step=evaluate``,
``npp_rl.train_run_id``, ``npp_rl.model_uri``, and the training run's architecture and condition.
Metric definitions: :mod:`npp_rl.evaluation.metrics`; docs: ``docs/evaluation.md``.
"""

from npp_rl.evaluation.metrics import Episode, flat_metrics, summarize, wilson_interval
from npp_rl.evaluation.suite import SuiteError, TestSuite, load_suite

__all__ = [
    "BenchConfig",
    "EvalConfig",
    "Episode",
    "ModelNotFoundError",
    "SuiteError",
    "TestSuite",
    "bench_inference",
    "evaluate",
    "evaluate_experiment",
    "flat_metrics",
    "load_suite",
    "log_bench",
    "resolve_model",
    "run_episodes",
    "summarize",
    "wilson_interval",
]


def __getattr__(name):  # lazy: the env, torch and MLflow load only when needed
    if name in ("EvalConfig", "evaluate", "evaluate_experiment", "resolve_model", "ModelNotFoundError", "load_policy"):
        from npp_rl.evaluation import evaluator

        return getattr(evaluator, name)
    if name == "run_episodes":
        from npp_rl.evaluation.runner import run_episodes

        return run_episodes
    if name in ("BenchConfig", "bench_inference", "log_bench"):
        from npp_rl.evaluation import bench

        return getattr(bench, name)
    raise AttributeError(name)
