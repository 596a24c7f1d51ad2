"""The heterogeneous graph transformer (HGT) layer computed on the flat graph, edge by edge.

PyG's ``HGTConv`` works on per-type dictionaries: it transforms *every* source node once per
relation it could send on (``k``/``v`` of a platform node ~11 times here), concatenates those
copies, builds a bipartite edge index over them and only then gathers per edge. On a CPU without
pyg-lib that was ~70 % of an update of ``vision_free``. :class:`FlatHGTConv` keeps ``HGTConv``'s
parameters (same names, shapes and maths; state dicts load either way) and computes:

* the per-type ``k``/``q``/``v`` projections on node segments (nodes are sorted by type once per
  forward, in :class:`npp_rl.models.graph.HGTEncoder`);
* per edge, in head-major ``(heads, edges, dim)`` layout: the source's key and value gathered and
  multiplied by the edge's relation matrices (edges sorted by relation: one ``bmm`` per relation
  that occurs), the destination's query, the attention logit scaled by the relation prior;
* softmax over each destination's incoming edges, weighted sum of messages (``index_add_``), GELU,
  per-type output projection and the learned skip mix, as in ``HGTConv``.

A test checks its outputs against ``HGTConv`` on the same weights and inputs.
"""

from __future__ import annotations

import math

import torch
from torch_geometric.nn import HGTConv
from torch_geometric.utils import softmax

Segments = list[tuple[str, int, int]]
"""``(node type, start, end)`` of the contiguous run of each node type present."""


class FlatHGTConv(HGTConv):
    """``HGTConv`` with a :meth:`forward_flat` over type-sorted nodes and relation-sorted edges.

    ``forward`` (dictionaries, PyG's implementation) still works on the same parameters.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._names = ["__".join(e) for e in self.edge_types]

    def forward_flat(self, x: torch.Tensor, node_segments: Segments, src: torch.Tensor, dst: torch.Tensor,
                     rel_segments: list[tuple[int, int, int]]) -> torch.Tensor:
        """One layer on a flat graph.

        ``x``: ``(n, C)`` node features, nodes grouped by type as ``node_segments`` says;
        ``src``/``dst``: ``(m,)`` node positions of each edge, edges grouped by relation with
        ``rel_segments`` = ``(relation index in metadata, start, end)``. Returns ``(n, out_channels)``.
        """
        n = x.shape[0]
        H, F = self.heads, self.out_channels
        D = F // H
        R = len(self.edge_types)
        # torch.split, not slicing: a slice's backward zero-fills a tensor of the whole input per slice
        sizes = [b - a for _, a, b in node_segments]
        kqv = torch.cat([self.kqv_lin.lins[t](xs) for (t, _, _), xs in zip(node_segments, x.split(sizes), strict=True)], dim=0)
        k, q, v = (t.reshape(n, H, D).transpose(0, 1) for t in torch.tensor_split(kqv, 3, dim=1))
        if src.numel():
            wk = self.k_rel.weight.view(H, R, D, D)
            wv = self.v_rel.weight.view(H, R, D, D)
            ke, ve = k.index_select(1, src), v.index_select(1, src)  # (H, m, D)
            esizes = [b - a for _, a, b in rel_segments]
            ke = torch.cat([torch.bmm(p, wk[:, r]) for (r, _, _), p in zip(rel_segments, ke.split(esizes, 1), strict=True)], 1)
            ve = torch.cat([torch.bmm(p, wv[:, r]) for (r, _, _), p in zip(rel_segments, ve.split(esizes, 1), strict=True)], 1)
            # relation priors per edge; only relations that occur take part (and get gradients)
            prior = torch.cat([self.p_rel[self._names[r]].expand(b - a, H) for r, a, b in rel_segments]).t()
            logit = (q.index_select(1, dst) * ke).sum(-1) * prior / math.sqrt(D)
            att = softmax(logit, dst, num_nodes=n, dim=1)  # (H, m)
            agg = x.new_zeros(H, n, D).index_add_(1, dst, ve * att.unsqueeze(-1))
            agg = agg.transpose(0, 1).reshape(n, F)
        else:
            agg = x.new_zeros(n, F)
        agg = torch.nn.functional.gelu(agg)
        out = torch.cat([self.out_lin.lins[t](p) for (t, _, _), p in zip(node_segments, agg.split(sizes), strict=True)], dim=0)
        if out.shape[-1] != x.shape[-1]:
            return out
        mix = torch.cat([self.skip[t].sigmoid().expand(b - a) for t, a, b in node_segments]).unsqueeze(1)
        return mix * out + (1 - mix) * x
