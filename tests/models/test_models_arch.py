"""Every architecture builds, runs forward/backward, reads sizes from the space; graph batching is exact."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from fake_env import FakeNppEnv, fake_batch

from npp_rl.envs.spec import NODE_TYPES
from npp_rl.models import ARCHITECTURES, get_architecture
from npp_rl.models.graph import (
    GCNEncoder,
    flatten_graphs,
    hgt_relations,
    readout,
)
from npp_rl.models.policy import (
    build_policy,
    count_parameters,
    example_observation_space,
    load_policy_weights,
)

torch.set_num_threads(1)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_architecture_forward_backward(name):
    space = example_observation_space(name, game_state_dim=27, node_feat_dim=11)
    pol = build_policy(name, space)
    batch = fake_batch(space, 8)
    actions = torch.randint(0, 6, (8,))
    values, logp, ent = pol.evaluate_actions(batch, actions)
    assert values.shape == (8, 1) and logp.shape == (8,) and torch.isfinite(logp).all()
    (values.sum() + logp.sum() + ent.sum()).backward()
    grads = [p.grad for p in pol.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    n = count_parameters(pol)
    assert n == count_parameters(name, space) and 1_000 < n < 2_000_000


def test_unknown_architecture_lists_known():
    with pytest.raises(ValueError) as e:
        get_architecture("resnet")
    for name in ARCHITECTURES:
        assert name in str(e.value)


def test_missing_modality_is_reported():
    space = example_observation_space("mlp_baseline")
    with pytest.raises(ValueError, match="graph_node_feats"):
        build_policy("vision_free", space)


def test_extractor_ignores_extra_keys_and_accepts_chw_images():
    full = example_observation_space(None)
    pol = build_policy("mlp_baseline", full)
    assert list(pol.features_extractor.encoders) == ["game_state"]
    chw = dict(full.spaces)
    chw["player_frame"] = gym.spaces.Box(0, 255, (1, 84, 84), np.uint8)
    chw["global_view"] = gym.spaces.Box(0, 255, (1, 100, 176), np.uint8)
    sp = gym.spaces.Dict(chw)
    pol = build_policy("full_hgt", sp)
    b = fake_batch(sp, 2)
    assert pol.features_extractor(b).shape == (2, 128)


def _per_sample(space, batch, enc):
    outs = []
    for i in range(next(iter(batch.values())).shape[0]):
        outs.append(enc(flatten_graphs({k: v[i: i + 1] for k, v in batch.items()})))
    return torch.cat(outs)


@pytest.mark.parametrize("name", ["gcn", "gat", "vision_free"])
def test_batched_graph_equals_per_sample(name):
    space = example_observation_space(name)
    pol = build_policy(name, space)
    enc = pol.features_extractor.encoders["graph"]
    batch = fake_batch(space, 6, seed=3)
    with torch.no_grad():
        together = enc(flatten_graphs(batch))
        apart = _per_sample(space, batch, enc)
    torch.testing.assert_close(together, apart, atol=1e-5, rtol=1e-4)


def test_flatten_drops_padding_and_offsets_edges():
    space = example_observation_space("gcn")
    batch = fake_batch(space, 3, seed=1)
    g = flatten_graphs(batch)
    n_real = int(batch["graph_node_mask"].sum())
    assert g.x.shape[0] == n_real and g.batch.max() == 2
    assert g.edge_index.shape[1] == int(batch["graph_edge_mask"].sum())
    assert (g.batch[g.edge_index[0]] == g.batch[g.edge_index[1]]).all()  # edges stay within a graph


def test_readout_mean_and_ninja():
    space = example_observation_space("gcn")
    batch = fake_batch(space, 2, seed=2)
    g = flatten_graphs(batch)
    h = torch.randn(g.x.shape[0], 4)
    out = readout(h, g)
    for b in range(2):
        sel = g.batch == b
        torch.testing.assert_close(out[b, :4], h[sel].mean(0))
        torch.testing.assert_close(out[b, 4:], h[sel & (g.node_type == 0)].mean(0))


def _flat_inputs(x, edges):
    """Dict inputs of HGTConv as the flat, type-sorted / relation-sorted arrays of forward_flat."""
    rels = list(hgt_relations())
    start, node_seg, off = 0, [], {}
    for t, xt in x.items():
        node_seg.append((t, start, start + len(xt)))
        off[t] = start
        start += len(xt)
    src, dst, rel_seg, e0 = [], [], [], 0
    for r, rel in enumerate(rels):
        if rel in edges and edges[rel].shape[1]:
            ei = edges[rel]
            src.append(ei[0] + off[rel[0]])
            dst.append(ei[1] + off[rel[2]])
            rel_seg.append((r, e0, e0 + ei.shape[1]))
            e0 += ei.shape[1]
    cat = (lambda v: torch.cat(v)) if src else (lambda v: torch.zeros(0, dtype=torch.long))
    return torch.cat(list(x.values())), node_seg, cat(src), cat(dst), rel_seg


@pytest.mark.parametrize("with_edges", [True, False])
def test_flat_hgt_matches_pyg_hgt(with_edges):
    """FlatHGTConv.forward_flat == PyG's HGTConv.forward (same parameters), outputs and gradients."""
    from torch_geometric.nn import HGTConv

    from npp_rl.models.hgt import FlatHGTConv

    torch.manual_seed(0)
    md = (list(NODE_TYPES), list(hgt_relations()))
    ref, flat = HGTConv(16, 16, md, heads=4), FlatHGTConv(16, 16, md, heads=4)
    flat.load_state_dict(ref.state_dict())
    types = list(NODE_TYPES)[:6]  # some node types absent, as in a real batch
    x = {t: torch.randn(3 + i, 16) for i, t in enumerate(types)}
    edges = {}
    if with_edges:
        for r in md[1]:
            if r[0] in x and r[2] in x:
                edges[r] = torch.stack([torch.randint(0, len(x[r[0]]), (5,)), torch.randint(0, len(x[r[2]]), (5,))])
        assert len(edges) > 5
    else:
        edges[md[1][0]] = torch.zeros(2, 0, dtype=torch.long)
    a = ref(x, edges)
    want = torch.cat([a[t] for t in x])
    got = flat.forward_flat(*_flat_inputs(x, edges))
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    want.square().sum().backward()
    got.square().sum().backward()
    for (n, p), (_, q) in zip(ref.named_parameters(), flat.named_parameters(), strict=True):
        if with_edges:  # the same parameters take part (Adam treats "no gradient" apart from zeros)
            assert (p.grad is None) == (q.grad is None), n
        zero = torch.zeros_like(p)  # without edges PyG's k/q/v weights get zero gradients, ours none
        gp, gq = (zero if p.grad is None else p.grad), (zero if q.grad is None else q.grad)
        torch.testing.assert_close(gq, gp, atol=1e-4, rtol=1e-3, msg=n)


def test_lean_cnn_hwc_equals_chw():
    from npp_rl.models.encoders import LeanCNN

    torch.manual_seed(0)
    hwc = LeanCNN((100, 176, 1), (8, 16), 32, pool=2)
    chw = LeanCNN((1, 100, 176), (8, 16), 32, pool=2)
    chw.load_state_dict(hwc.state_dict())
    img = torch.rand(3, 100, 176, 1)
    torch.testing.assert_close(hwc(img), chw(img.permute(0, 3, 1, 2).contiguous()))


@pytest.mark.parametrize("shape,pool", [((100, 176, 1), 2), ((84, 84, 1), 1), ((1, 61, 75), 2), ((72, 96, 1), 3)])
def test_lean_cnn_folded_scaling_matches_scaled_input(shape, pool):
    """scale=1/255 on raw images == SB3's /255 then scale=1 (outputs and weight gradients), any pool."""
    from npp_rl.models.encoders import LeanCNN

    torch.manual_seed(0)
    ref, fast = LeanCNN(shape, (8, 16), 32, pool=pool), LeanCNN(shape, (8, 16), 32, pool=pool, scale=1 / 255)
    fast.load_state_dict(ref.state_dict())
    raw = torch.randint(0, 256, (3, *shape)).float()
    want, got = ref(raw / 255.0), fast(raw)
    torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-5)
    want.square().sum().backward()
    got.square().sum().backward()
    for (n, p), q in zip(ref.named_parameters(), fast.parameters(), strict=True):
        torch.testing.assert_close(q.grad, p.grad, atol=1e-5, rtol=1e-4, msg=n)


@pytest.mark.parametrize("name", ["gcn", "full_hgt"])
def test_policy_scales_images_inside_the_extractor(name):
    """The policy PPO trains (normalize_images=False, scale_images) == SB3's own /255 path, same weights:
    evaluate_actions on the same raw observations gives the same values, log-probs and gradients."""
    from stable_baselines3.common.policies import MultiInputActorCriticPolicy

    from npp_rl.models.extractor import NppFeaturesExtractor

    space = example_observation_space(name, game_state_dim=27, node_feat_dim=11)
    fast = build_policy(name, space)
    assert fast.normalize_images is False and fast.features_extractor.scale_images
    ref = MultiInputActorCriticPolicy(space, gym.spaces.Discrete(6), lambda _: 3e-4, net_arch=dict(pi=[64], vf=[64]),
                                      features_extractor_class=NppFeaturesExtractor,
                                      features_extractor_kwargs={"architecture": name})
    assert ref.normalize_images and not ref.features_extractor.scale_images  # policies saved before
    ref.load_state_dict(fast.state_dict())
    raw = fake_batch(space, 5, seed=4)
    assert raw["global_view"].max() > 1  # the policy really gets 0-255 values
    actions = torch.randint(0, 6, (5,))
    outs = [p.evaluate_actions(raw, actions) for p in (ref, fast)]
    for a, b in zip(*outs, strict=True):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=1e-4)
    for v, lp, ent in outs:
        (v.sum() + lp.sum() + ent.sum()).backward()
    for (n, p), q in zip(ref.named_parameters(), fast.parameters(), strict=True):
        torch.testing.assert_close(q.grad, p.grad, atol=1e-4, rtol=1e-3, msg=n)


def test_gcn_sparse_adjacency_matches_edge_index_gcn():
    from torch_geometric.nn import GCNConv

    space = example_observation_space("gcn")
    batch = fake_batch(space, 4, seed=5)
    g = flatten_graphs(batch)
    enc = GCNEncoder(g.x.shape[1], 8, 1)
    ref = GCNConv(8, 8, add_self_loops=True, normalize=True)
    ref.lin.weight.data.copy_(enc.convs[0].lin.weight.data)
    ref.bias.data.copy_(enc.convs[0].bias.data)
    h = torch.randn(g.x.shape[0], 8)
    adj = enc.normalized_adj_t(g, h.shape[0], h.dtype)
    # coalesce duplicates the way edge_index GCN counts them (each edge once per occurrence)
    torch.testing.assert_close(enc.convs[0](h, adj), ref(h, g.edge_index), atol=1e-5, rtol=1e-4)


def test_load_policy_weights_roundtrip(tmp_path):
    from stable_baselines3 import PPO

    from npp_rl.models.policy import policy_kwargs

    env = FakeNppEnv(modalities=("graph", "game_state"), seed=0)
    model = PPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs("vision_free"), n_steps=8, batch_size=8, device="cpu")
    model.save(tmp_path / "m.zip")
    fresh = build_policy("vision_free", env.observation_space)
    load_policy_weights(fresh, tmp_path / "m.zip")
    for (k, a), b in zip(model.policy.state_dict().items(), fresh.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, msg=k)
    torch.save(fresh.state_dict(), tmp_path / "w.pt")
    load_policy_weights(build_policy("vision_free", env.observation_space), tmp_path / "w.pt")
    with pytest.raises(ValueError, match="do not fit"):
        load_policy_weights(build_policy("mlp_baseline", env.observation_space), tmp_path / "m.zip")
