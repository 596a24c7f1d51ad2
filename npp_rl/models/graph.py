"""Graph encoders over the padded graph arrays of :mod:`npp_rl.envs.spec`.

A batch of padded graphs ``(B, MAX_NODES, F)`` is flattened into one disjoint graph with offset
arithmetic (no Python loop per sample): real nodes are kept, re-numbered with a cumulative sum over
the node mask, and edges are shifted by ``b * MAX_NODES`` then mapped through that numbering. Each
encoder ends with a per-graph readout: masked mean over nodes concatenated with the ninja node's
embedding (mean over ninja nodes if there are several, zeros if none).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import nn
from torch_geometric.nn import GATConv, GCNConv

from npp_rl.envs.spec import EDGE_TYPES, NODE_TYPE_ID, NODE_TYPES
from npp_rl.models.hgt import FlatHGTConv

NINJA = NODE_TYPE_ID["ninja"]
_ENTITIES = tuple(t for t in NODE_TYPES if t not in ("ninja", "platform"))


def hgt_relations() -> tuple[tuple[str, str, str], ...]:
    """The fixed enumerated HGT metadata: (src_type, edge_type, dst_type) triples the graph can hold.

    ``walk``/``jump``/``fall`` join platforms; ``on`` joins the ninja or an entity with a platform;
    ``near`` joins the ninja with entities; ``opens`` joins a switch with its door. Every symmetric
    relation is listed in both directions. Edges that match no triple are dropped by the HGT encoder.
    """
    rel = [("platform", e, "platform") for e in ("walk", "jump", "fall")]
    for t in ("ninja",) + _ENTITIES:
        rel += [(t, "on", "platform"), ("platform", "on", t)]
    for t in _ENTITIES:
        rel += [("ninja", "near", t), (t, "near", "ninja")]
    for s, d in (("exit_switch", "exit_door"), ("door_switch", "door")):
        rel += [(s, "opens", d), (d, "opens", s)]
    return tuple(rel)


@dataclass
class FlatGraph:
    """A batch of padded graphs flattened into one disjoint graph (real nodes and edges only)."""

    x: torch.Tensor  # (n, F) node features
    node_type: torch.Tensor  # (n,) long
    batch: torch.Tensor  # (n,) long graph id of each node
    edge_index: torch.Tensor  # (2, m) long, flat node ids
    edge_type: torch.Tensor  # (m,) long
    num_graphs: int


def flatten_graphs(obs: dict[str, torch.Tensor]) -> FlatGraph:
    """Flatten the padded graph arrays of a batch of observations (see module docstring)."""
    feats = obs["graph_node_feats"]
    B, N, F = feats.shape
    device = feats.device
    flat_mask = obs["graph_node_mask"].reshape(-1) > 0.5
    keep = flat_mask.nonzero().squeeze(1)
    new_id = torch.cumsum(flat_mask.long(), 0) - 1
    x = feats.reshape(B * N, F).index_select(0, keep)
    node_type = obs["graph_node_type"].reshape(-1).index_select(0, keep).long()
    batch = torch.div(keep, N, rounding_mode="floor")

    ei = obs["graph_edge_index"].long().clamp_(0, N - 1)  # (B, 2, E)
    offs = (torch.arange(B, device=device) * N).unsqueeze(1)
    src = (ei[:, 0] + offs).reshape(-1)
    dst = (ei[:, 1] + offs).reshape(-1)
    emask = (obs["graph_edge_mask"].reshape(-1) > 0.5) & flat_mask[src] & flat_mask[dst]
    sel = emask.nonzero().squeeze(1)
    edge_index = torch.stack([new_id[src[sel]], new_id[dst[sel]]])
    edge_type = obs["graph_edge_type"].reshape(-1).index_select(0, sel).long()
    return FlatGraph(x, node_type, batch, edge_index, edge_type, B)


def readout(h: torch.Tensor, g: FlatGraph) -> torch.Tensor:
    """Per-graph ``[mean over nodes, ninja node]`` -> ``(B, 2H)``."""
    B, H = g.num_graphs, h.shape[1]
    ones = torch.ones_like(g.batch, dtype=h.dtype)
    cnt = h.new_zeros(B).index_add_(0, g.batch, ones).clamp_(min=1).unsqueeze(1)
    mean = h.new_zeros(B, H).index_add_(0, g.batch, h) / cnt
    is_ninja = g.node_type == NINJA
    nb = g.batch[is_ninja]
    ncnt = h.new_zeros(B).index_add_(0, nb, ones[is_ninja]).clamp_(min=1).unsqueeze(1)
    ninja = h.new_zeros(B, H).index_add_(0, nb, h[is_ninja]) / ncnt
    return torch.cat([mean, ninja], dim=1)


class _GraphEncoderBase(nn.Module):
    """Input projection (features + node-type embedding) shared by the three encoders."""

    def __init__(self, node_feat_dim: int, hidden: int):
        super().__init__()
        self.inp = nn.Linear(node_feat_dim, hidden)
        self.type_emb = nn.Embedding(len(NODE_TYPES), hidden)
        self.out_dim = 2 * hidden

    def embed(self, g: FlatGraph) -> torch.Tensor:
        return torch.relu(self.inp(g.x) + self.type_emb(g.node_type.clamp(0, len(NODE_TYPES) - 1)))


class GCNEncoder(_GraphEncoderBase):
    """GCNConv layers over a symmetric-normalised sparse adjacency (``D^-1/2 (A+I) D^-1/2``).

    The normalised adjacency is built once per forward as a ``torch.sparse_csr`` matrix and passed
    to ``GCNConv(normalize=False)``, which then multiplies with ``spmm`` instead of scattering over
    ``edge_index`` (2.5–4x faster on CPU without torch-scatter).
    """

    def __init__(self, node_feat_dim: int, hidden: int, layers: int):
        super().__init__(node_feat_dim, hidden)
        self.convs = nn.ModuleList(GCNConv(hidden, hidden, normalize=False) for _ in range(layers))

    @staticmethod
    def normalized_adj_t(g: FlatGraph, n: int, dtype) -> torch.Tensor:
        device = g.x.device
        loop = torch.arange(n, device=device)
        src, dst = g.edge_index
        keep = src != dst  # existing self loops are replaced by the unit one (as PyG's gcn_norm does)
        row = torch.cat([dst[keep], loop])  # adj_t[dst, src]
        col = torch.cat([src[keep], loop])
        deg = torch.zeros(n, device=device, dtype=dtype).index_add_(0, row, torch.ones_like(row, dtype=dtype))
        dis = deg.pow(-0.5)
        val = dis[row] * dis[col]
        adj = torch.sparse_coo_tensor(torch.stack([row, col]), val, (n, n), check_invariants=False).coalesce()
        with warnings.catch_warnings():  # torch: "Sparse CSR tensor support is in beta state" (once per process)
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta", category=UserWarning)
            return adj.to_sparse_csr()

    def forward(self, g: FlatGraph) -> torch.Tensor:
        h = self.embed(g)
        adj_t = self.normalized_adj_t(g, h.shape[0], h.dtype)
        for conv in self.convs:
            h = torch.relu(conv(h, adj_t)) + h
        return readout(h, g)


class GATEncoder(_GraphEncoderBase):
    """GATConv layers (concatenated heads) on the flattened homogeneous graph with self loops."""

    def __init__(self, node_feat_dim: int, hidden: int, layers: int, heads: int):
        super().__init__(node_feat_dim, hidden)
        self.convs = nn.ModuleList(
            GATConv(hidden, hidden // heads, heads=heads, add_self_loops=True) for _ in range(layers)
        )

    def forward(self, g: FlatGraph) -> torch.Tensor:
        h = self.embed(g)
        for conv in self.convs:
            h = torch.nn.functional.elu(conv(h, g.edge_index)) + h
        return readout(h, g)


class HGTEncoder(_GraphEncoderBase):
    """HGT layers (:class:`npp_rl.models.hgt.FlatHGTConv`) over node types and the relation triples of
    :func:`hgt_relations`.

    Once per forward, nodes are sorted by type (one stable sort) and edges by relation (looked up in
    a ``(src_type, edge_type, dst_type)`` table; edges matching no triple are dropped), so every
    per-type and per-relation operation works on one contiguous slice; the Python loops run over
    types and relations, never over samples or edges.
    """

    def __init__(self, node_feat_dim: int, hidden: int, layers: int, heads: int):
        super().__init__(node_feat_dim, hidden)
        self.relations = hgt_relations()
        metadata = (list(NODE_TYPES), list(self.relations))
        self.convs = nn.ModuleList(FlatHGTConv(hidden, hidden, metadata, heads=heads) for _ in range(layers))
        table = torch.full((len(NODE_TYPES), len(EDGE_TYPES), len(NODE_TYPES)), -1, dtype=torch.long)
        for k, (s, e, d) in enumerate(self.relations):
            table[NODE_TYPE_ID[s], EDGE_TYPES.index(e), NODE_TYPE_ID[d]] = k
        self.register_buffer("rel_table", table, persistent=False)

    def forward(self, g: FlatGraph) -> torch.Tensor:
        h = self.embed(g)
        nt = g.node_type.clamp(0, len(NODE_TYPES) - 1)
        n = h.shape[0]
        order = torch.argsort(nt, stable=True)
        pos = torch.empty_like(order)
        pos[order] = torch.arange(n, device=h.device)  # position of each node once sorted by type
        counts = torch.bincount(nt, minlength=len(NODE_TYPES)).tolist()
        node_segments, start = [], 0
        for t, c in zip(NODE_TYPES, counts, strict=True):
            if c:
                node_segments.append((t, start, start + c))
            start += c

        src, dst = g.edge_index
        et = g.edge_type.clamp(0, len(EDGE_TYPES) - 1)
        rel = self.rel_table[nt[src], et, nt[dst]]
        keep = (rel >= 0).nonzero().squeeze(1)
        rel = rel.index_select(0, keep)
        by_rel = torch.argsort(rel, stable=True)
        rel, eorder = rel.index_select(0, by_rel), keep.index_select(0, by_rel)
        src, dst = pos[src[eorder]], pos[dst[eorder]]
        rcounts = torch.bincount(rel, minlength=len(self.relations)).tolist()
        rel_segments, start = [], 0
        for r, c in enumerate(rcounts):
            if c:
                rel_segments.append((r, start, start + c))
            start += c

        h = h.index_select(0, order)
        for conv in self.convs:
            h = conv.forward_flat(h, node_segments, src, dst, rel_segments)
        g_sorted = FlatGraph(g.x, nt[order], g.batch[order], g.edge_index, g.edge_type, g.num_graphs)
        return readout(h, g_sorted)


def build_graph_encoder(kind: str, node_feat_dim: int, hidden: int, layers: int, heads: int) -> nn.Module:
    if kind == "gcn":
        return GCNEncoder(node_feat_dim, hidden, layers)
    if kind == "gat":
        return GATEncoder(node_feat_dim, hidden, layers, heads)
    if kind == "hgt":
        return HGTEncoder(node_feat_dim, hidden, layers, heads)
    raise ValueError(f"unknown graph encoder {kind!r}; known: hgt, gat, gcn")
