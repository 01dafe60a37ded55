"""Dual-branch networks: the :class:`DualBranchNet` type and the built-in catalogue.

A dual-branch network is a sequence of **stages**. In each stage branch A and branch B run in parallel (A on
sub-accelerator 1, B on sub-accelerator 2), then the stage's **fusion** layers run on one of them. **Cross
tensors** are the activations that move between branches and fusion (``src``/``dst`` in ``a``, ``b``,
``fusion``); one has to cross the shared DRAM only when its producer and consumer sit on different
sub-accelerators. Layers are the accelerator simulator's :class:`~simulators.accelerator.workloads.Layer`
(SCALE-Sim semantics: no padding, GEMMs in SCALE-Sim's GEMM mapping); pooling, softmax, normalisation and
element-wise ops are not modelled, as in the accelerator simulator.

Catalogue (``NETWORKS``):

* ``crossvit``: CrossViT-S-like (Chen et al., ICCV 2021): a small-patch branch A (240x240 input, 12x12 patches,
  401 tokens, dim 192, 1 block per stage) and a large-patch branch B (224x224, 16x16 patches, 197 tokens,
  dim 384, 4 blocks per stage), 6 heads, MLP ratio 4, K=3 multi-scale stages. Fusion per stage is CLS-token
  cross-attention both ways (project CLS into the other branch's dim, attend over the other branch's tokens,
  project back); the last stage adds both classifier heads. Cross tensors: each branch's tokens to the fusion,
  the fused CLS tokens back to each branch.
* ``two_stream``: a two-stream action-recognition CNN (Simonyan & Zisserman, NeurIPS 2014; CNN-M-2048 streams)
  with convolutional fusion after conv5 (Feichtenhofer et al., CVPR 2016): spatial stream A on RGB (3 channels),
  temporal stream B on 10 stacked optical-flow frames (20 channels); fusion = 1x1 conv over the concatenated
  conv5 maps, then fc6/fc7/fc8 (101 classes). Pooling is folded into the next layer's input size.
* ``dynamic_perceiver``: Dynamic-Perceiver-style (Han et al., ICCV 2023): feature branch A = ResNet-18 (the
  accelerator's SCALE-Sim topology) split into its 4 stages; latent branch B = 128 latent tokens of dim 256 with
  one self-attention block per stage. Fusion per stage: feature-to-latent cross-attention; stages 3 and 4 add
  latent-to-feature cross-attention (whose output goes back to branch A); the last stage adds the latent
  classifier. Early exits are not modelled (the full network runs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from archgym_lite.core.errors import SpecError
from simulators.accelerator.networks import resnet18
from simulators.accelerator.workloads import Layer, Workload

ENDPOINTS = ("a", "b", "fusion")


@dataclass(frozen=True)
class CrossTensor:
    """An activation tensor that moves between the branches and the fusion layers of one stage.

    Attributes:
        name: Shown in the detail report.
        words: Size in words (elements).
        src: Producer: ``"a"``, ``"b"`` or ``"fusion"``.
        dst: Consumer: ``"a"``, ``"b"`` or ``"fusion"`` (different from ``src``).
    """

    name: str
    words: int
    src: str
    dst: str

    def __post_init__(self) -> None:
        where = f"cross tensor {self.name!r}"
        if isinstance(self.words, bool) or not isinstance(self.words, int) or self.words < 1:
            raise SpecError(f"must be a positive integer, got {self.words!r}", f"{where}.words")
        for attr in ("src", "dst"):
            if getattr(self, attr) not in ENDPOINTS:
                raise SpecError(f"got {getattr(self, attr)!r}; allowed: {list(ENDPOINTS)}", f"{where}.{attr}")
        if self.src == self.dst:
            raise SpecError(f"src and dst are both {self.src!r}", where)


@dataclass(frozen=True)
class Stage:
    """One fork-join stage: branch A and B in parallel, then the fusion layers.

    Attributes:
        branch_a: Layers of branch A (run on sub-accelerator 1), in order; may be empty.
        branch_b: Layers of branch B (run on sub-accelerator 2), in order; may be empty.
        fusion: Fusion layers (run on the sub-accelerator the design chooses), in order; may be empty.
        cross: Tensors moved between branches and fusion in this stage.
    """

    branch_a: tuple[Layer, ...] = ()
    branch_b: tuple[Layer, ...] = ()
    fusion: tuple[Layer, ...] = ()
    cross: tuple[CrossTensor, ...] = ()


@dataclass(frozen=True)
class DualBranchNet:
    """A named dual-branch network: a tuple of :class:`Stage` (see module docstring).

    Attributes:
        name: Network name.
        stages: The stages, in execution order.
        source: ``"builtin"`` or the file it was read from.
    """

    name: str
    stages: tuple[Stage, ...]
    source: str = "builtin"

    def __post_init__(self) -> None:
        if not self.stages:
            raise SpecError("a dual-branch network needs at least one stage", f"network {self.name!r}.stages")
        if not any(s.branch_a for s in self.stages) or not any(s.branch_b for s in self.stages):
            raise SpecError("each branch needs at least one layer", f"network {self.name!r}")

    def layers(self, section: str) -> tuple[Layer, ...]:
        """All layers of ``section`` (``"branch_a"``, ``"branch_b"`` or ``"fusion"``) in stage order."""
        return tuple(layer for s in self.stages for layer in getattr(s, section))

    def sequential_workload(self) -> Workload:
        """The whole network as one layer list for a single accelerator: per stage A, then B, then fusion."""
        return Workload(f"{self.name}_sequential",
                        tuple(lay for s in self.stages for lay in (*s.branch_a, *s.branch_b, *s.fusion)), self.source)

    @property
    def macs(self) -> int:
        return sum(lay.macs for sec in ("branch_a", "branch_b", "fusion") for lay in self.layers(sec))


# --- building blocks ------------------------------------------------------------------------------------------
def transformer_block(prefix: str, tokens: int, dim: int, heads: int, mlp_ratio: int = 4) -> tuple[Layer, ...]:
    """One pre-norm ViT encoder block as GEMMs: QKV, per-head scores and context, projection, MLP."""
    dh = dim // heads
    return (
        Layer.gemm(f"{prefix}_qkv", tokens, 3 * dim, dim),
        Layer.gemm(f"{prefix}_scores", tokens, tokens, dh, repeats=heads),
        Layer.gemm(f"{prefix}_context", tokens, dh, tokens, repeats=heads),
        Layer.gemm(f"{prefix}_proj", tokens, dim, dim),
        Layer.gemm(f"{prefix}_fc1", tokens, mlp_ratio * dim, dim),
        Layer.gemm(f"{prefix}_fc2", tokens, dim, mlp_ratio * dim),
    )


def cross_attention(prefix: str, queries: int, q_dim: int, kv_tokens: int, kv_dim: int, dim: int,
                    heads: int, out_dim: int) -> tuple[Layer, ...]:
    """Cross-attention: ``queries`` tokens attend over ``kv_tokens`` tokens in an inner width ``dim``."""
    dh = dim // heads
    return (
        Layer.gemm(f"{prefix}_q", queries, dim, q_dim),
        Layer.gemm(f"{prefix}_k", kv_tokens, dim, kv_dim),
        Layer.gemm(f"{prefix}_v", kv_tokens, dim, kv_dim),
        Layer.gemm(f"{prefix}_scores", queries, kv_tokens, dh, repeats=heads),
        Layer.gemm(f"{prefix}_context", queries, dh, kv_tokens, repeats=heads),
        Layer.gemm(f"{prefix}_out", queries, out_dim, dim),
    )


# --- catalogue --------------------------------------------------------------------------------------------------
def crossvit(stages: int = 3) -> DualBranchNet:
    """CrossViT-S-like pair (see module docstring)."""
    ts, ds, tl, dl, heads = 401, 192, 197, 384, 6
    out = []
    for k in range(stages):
        a: tuple[Layer, ...] = (Layer("s_patch_embed", 240, 240, 12, 12, 3, ds, 12, 12),) if k == 0 else ()
        b: tuple[Layer, ...] = (Layer("l_patch_embed", 224, 224, 16, 16, 3, dl, 16, 16),) if k == 0 else ()
        a += transformer_block(f"s{k}_blk0", ts, ds, heads)
        for j in range(4):
            b += transformer_block(f"l{k}_blk{j}", tl, dl, heads)
        fusion = (
            Layer.gemm(f"x{k}_s_cls_to_l", 1, dl, ds),
            *cross_attention(f"x{k}_s_attn", 1, dl, tl, dl, dl, heads, dl),
            Layer.gemm(f"x{k}_s_cls_back", 1, ds, dl),
            Layer.gemm(f"x{k}_l_cls_to_s", 1, ds, dl),
            *cross_attention(f"x{k}_l_attn", 1, ds, ts, ds, ds, heads, ds),
            Layer.gemm(f"x{k}_l_cls_back", 1, dl, ds),
        )
        cross = [CrossTensor(f"x{k}_s_tokens", ts * ds, "a", "fusion"),
                 CrossTensor(f"x{k}_l_tokens", tl * dl, "b", "fusion")]
        if k == stages - 1:
            fusion += (Layer.gemm("s_head", 1, 1000, ds), Layer.gemm("l_head", 1, 1000, dl))
        else:
            cross += [CrossTensor(f"x{k}_s_cls", ds, "fusion", "a"), CrossTensor(f"x{k}_l_cls", dl, "fusion", "b")]
        out.append(Stage(a, b, fusion, tuple(cross)))
    return DualBranchNet("crossvit", tuple(out))


def _cnn_m_2048(prefix: str, in_channels: int) -> tuple[Layer, ...]:
    """CNN-M-2048 conv1-conv5 (pooling folded into the next layer's input, padding into the input size)."""
    return (
        Layer(f"{prefix}_conv1", 224, 224, 7, 7, in_channels, 96, 2, 2),  # -> 110x110, pool -> 54x54
        Layer(f"{prefix}_conv2", 56, 56, 5, 5, 96, 256, 2, 2),  # pad 1 -> 27x27, pool -> 13x13
        Layer(f"{prefix}_conv3", 15, 15, 3, 3, 256, 512),  # pad 1 -> 13x13
        Layer(f"{prefix}_conv4", 15, 15, 3, 3, 512, 512),
        Layer(f"{prefix}_conv5", 15, 15, 3, 3, 512, 512),
    )


def two_stream() -> DualBranchNet:
    """Two-stream CNN with conv fusion after conv5 (see module docstring)."""
    fusion = (
        Layer("fuse_conv1x1", 13, 13, 1, 1, 1024, 512),  # concat(conv5_a, conv5_b) -> 512, pool -> 6x6
        Layer.gemm("fc6", 1, 4096, 6 * 6 * 512),
        Layer.gemm("fc7", 1, 2048, 4096),
        Layer.gemm("fc8", 1, 101, 2048),
    )
    cross = (CrossTensor("spatial_conv5", 13 * 13 * 512, "a", "fusion"),
             CrossTensor("temporal_conv5", 13 * 13 * 512, "b", "fusion"))
    return DualBranchNet("two_stream", (Stage(_cnn_m_2048("rgb", 3), _cnn_m_2048("flow", 20), fusion, cross),))


def dynamic_perceiver(latents: int = 128, dim: int = 256, heads: int = 8) -> DualBranchNet:
    """Dynamic-Perceiver-style feature + latent pair (see module docstring)."""
    res = resnet18().layers
    bounds = ((0, 5, "CBa2b_2"), (5, 10, "CBa3b_2"), (10, 15, "CBa4b_2"), (15, 21, "CBa5b_2"))
    by_name = {lay.name: lay for lay in res}
    out = []
    for k, (lo, hi, last) in enumerate(bounds):
        fmap = by_name[last]
        hw, ch = fmap.ofmap_h * fmap.ofmap_w, fmap.num_filters
        fusion = cross_attention(f"f2l{k}", latents, dim, hw, ch, dim, heads, dim)
        cross = [CrossTensor(f"feat{k}", hw * ch, "a", "fusion"), CrossTensor(f"latent{k}_in", latents * dim, "b",
                                                                              "fusion")]
        if k >= 2:
            fusion += cross_attention(f"l2f{k}", hw, ch, latents, dim, dim, heads, ch)
            if k < 3:
                cross.append(CrossTensor(f"feat{k}_back", hw * ch, "fusion", "a"))
        if k < 3:
            cross.append(CrossTensor(f"latent{k}_out", latents * dim, "fusion", "b"))
        else:
            fusion += (Layer.gemm("latent_head", 1, 1000, dim),)
        out.append(Stage(res[lo:hi], transformer_block(f"lat{k}", latents, dim, heads), fusion, tuple(cross)))
    return DualBranchNet("dynamic_perceiver", tuple(out))


NETWORKS: dict[str, Callable[[], DualBranchNet]] = {
    "crossvit": crossvit,
    "two_stream": two_stream,
    "dynamic_perceiver": dynamic_perceiver,
}


def names(layers: Iterable[Layer]) -> list[str]:
    """Layer names (for reports and tests)."""
    return [lay.name for lay in layers]
