"""MLflow tracking for npp-rl: where runs go, what every run records, and how models are kept.

Public API (import from ``npp_rl.tracking``):

Where runs go
    ``resolve_tracking(explicit=None) -> TrackingTarget``
        explicit ``--tracking-uri`` > ``MLFLOW_TRACKING_URI`` > the embedded default: an absolute
        ``sqlite:///<home>/mlflow.db`` with artifacts under ``<home>/artifacts`` where ``<home>`` is
        ``$NPP_RL_HOME`` or ``./.npp-rl``. ``TrackingTarget(uri, artifact_root, embedded)``.
    ``configure(explicit=None, quiet=False) -> TrackingTarget``
        resolves, checks the target (malformed URI or unreachable server -> ``TrackingError``
        before any work starts), calls ``mlflow.set_tracking_uri`` and prints where runs go.
    ``get_or_create_experiment(name) -> experiment_id``

Secrets
    ``redact(value)`` / ``redact_text(text)`` / ``redact_uri(uri)``: passwords in URIs (and secret
        query values) masked; the one place everything logged, tagged or printed goes through.

What every run records
    ``start_run(experiment_name, *, step, run_name=None, config=None, seed=None, tags=None,
                parent_run_id=None, resume_run_id=None, nested=False)``
        a context manager yielding the ``mlflow.ActiveRun``. Sets the run tags
        ``npp_rl.step`` (pretrain/train/evaluate/compare/...), ``npp_rl.seed`` and any extra
        ``tags`` (e.g. ``npp_rl.architecture``, ``npp_rl.condition``, ``npp_rl.dataset``), logs the
        resolved config (a dataclass or dict) as ``config.json`` via ``mlflow.log_dict`` and flat
        params, the command line and git commit as tags. Honours ``MLFLOW_RUN_ID`` set by
        ``mlflow run`` (read before starting). ``resume_run_id`` re-opens an existing run.
    ``log_config(config)`` / ``flatten_config(config) -> dict``
    ``TensorBoardSync(log_dir, run_id, artifact_path="tensorboard")``: ``.sync()`` uploads only
        new or changed event files to the run's artifacts and keeps ``_manifest.json`` there;
        safe to call often (e.g. from a training callback) and once more at the end.
    ``EventWriter(log_dir=None)``: ``.scalars(dict, step)``, ``.hparams(hp, metrics)``, ``.close()``
        TensorBoard events for pretrain/evaluate/compare, uploaded to the run as ``tensorboard/``.
    ``ResilientLogger(run_id)``: ``log_metrics(dict, step)`` buffering to a local journal while
        the server is unreachable and flushing when it comes back (nothing logged is lost).

Models
    ``log_policy(model_path, *, name="model", registered_model_name=None, extra_artifacts=None,
                 input_example=None) -> ModelInfo``
        logs an SB3 policy zip (saved with ``model.save``) as an MLflow pyfunc
        (:class:`npp_rl.tracking.policy_pyfunc.PolicyPyfunc`): dict of observation arrays in,
        ``action`` and ``action_probs`` out; explicit pip requirements; registers it when a
        name is given.
    ``register_model(model_uri, name, tags=None) -> version``,
    ``set_alias(name, alias, version)``, ``get_alias_version(name, alias)``,
    ``load_pyfunc(uri)`` for ``models:/NAME@ALIAS``, ``models:/NAME/VERSION``, ``runs:/...``.
"""

from npp_rl.tracking.redact import redact, redact_text, redact_uri
from npp_rl.tracking.registry import (
    get_alias_version,
    load_pyfunc,
    log_policy,
    log_pyfunc,
    model_name,
    pip_requirements,
    register_model,
    set_alias,
)
from npp_rl.tracking.runs import (
    TAG_ARCH,
    TAG_CONDITION,
    TAG_DATASET,
    TAG_SEED,
    TAG_STEP,
    config_to_dict,
    find_runs,
    flatten_config,
    log_config,
    start_run,
)
from npp_rl.tracking.sync import ResilientLogger, TensorBoardSync, last_logged_step
from npp_rl.tracking.tensorboard import EventWriter
from npp_rl.tracking.uri import (
    TrackingError,
    TrackingTarget,
    configure,
    current_target,
    get_or_create_experiment,
    resolve_tracking,
)

__all__ = [
    "EventWriter",
    "TAG_ARCH",
    "TAG_CONDITION",
    "TAG_DATASET",
    "TAG_SEED",
    "TAG_STEP",
    "ResilientLogger",
    "TensorBoardSync",
    "TrackingError",
    "TrackingTarget",
    "config_to_dict",
    "configure",
    "current_target",
    "find_runs",
    "flatten_config",
    "get_alias_version",
    "get_or_create_experiment",
    "last_logged_step",
    "load_pyfunc",
    "log_config",
    "log_policy",
    "log_pyfunc",
    "model_name",
    "pip_requirements",
    "redact",
    "redact_text",
    "redact_uri",
    "register_model",
    "resolve_tracking",
    "set_alias",
    "start_run",
]
