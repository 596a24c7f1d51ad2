"""npp_rl.pretraining: behavioural cloning from replays into the PPO policy's own network.

Public API::

    PretrainConfig                         # typed config of ``npp-rl pretrain`` (config.py)
    pretrain(config) -> run_id             # replays -> dataset -> BC -> logged + registered policy
    build_dataset(replay_dir, out_dir=None, options=DatasetOptions(...)) -> BCDataset
    open_dataset(path) -> BCDataset        # .manifest, .content_hash, .skip_counts, .load()
    DatasetOptions                         # modalities, frame_skip, mixed_rule, gamma, include_test_split
    resimulate(replay, map_data, modalities=...) -> Episode   # one replay through the environment
    make_model(arch, seed) / train_bc(policy, data, ...)       # the BC trainer on PPO's policy
    load_pretrained_into(model_or_policy, source)              # = models.load_policy_weights
    state_dict_differences(a, b) -> [names]                    # [] when two policies are identical

Labelling rule (labels.py): step k pairs the observation after frame k*frame_skip with the action held
over frames k*fs+1 .. (k+1)*fs; a window whose input changes mid-window gets its majority action (ties:
the first frame's), is kept and flagged ``mixed`` (``mixed_rule="drop"`` leaves it out).
Docs: docs/pretraining.md.
"""

from npp_rl.pretraining.config import PretrainConfig
from npp_rl.pretraining.dataset import BCDataset, DatasetOptions, build_dataset, open_dataset

__all__ = [
    "BCDataset",
    "DatasetOptions",
    "PretrainConfig",
    "build_dataset",
    "load_pretrained_into",
    "make_model",
    "open_dataset",
    "pretrain",
    "resimulate",
    "state_dict_differences",
    "train_bc",
]


def __getattr__(name):  # lazy: torch/SB3/mlflow load only when needed
    if name == "pretrain":
        from npp_rl.pretraining.pipeline import pretrain

        return pretrain
    if name == "resimulate":
        from npp_rl.pretraining.resim import resimulate

        return resimulate
    if name in ("make_model", "train_bc"):
        from npp_rl.pretraining import bc

        return getattr(bc, name)
    if name in ("load_pretrained_into", "state_dict_differences"):
        from npp_rl.pretraining import transfer

        return getattr(transfer, name)
    raise AttributeError(name)
