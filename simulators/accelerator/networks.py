"""Built-in networks and :func:`get_workload` (a built-in name, a CSV path or a :class:`Workload`).

* ``resnet18``: ResNet-18 at 224x224 as published (He et al., CVPR 2016; torchvision ``resnet18``): 21 layers
  (conv1 7x7/2 pad 3, the sixteen 3x3 convolutions pad 1, the three 1x1/2 downsample shortcuts, the classifier),
  padding as a layer attribute (:meth:`Layer.conv`), so every output size is the network's (conv1 112x112,
  stages 56/28/14/7) and the MAC count is the published 1.82 G. Pooling is not modelled.
* ``resnet18_scalesim``: SCALE-Sim's shipped ``topologies/conv_nets/resnet18.csv`` exactly as SCALE-Sim reads it
  (no padding: 3x3 layers on 56x56 produce 54x54; 1.47 GMAC), for line-by-line comparison with SCALE-Sim.
* ``mobilenet_v2``: MobileNetV2 1.0 at 224x224 (Sandler et al., CVPR 2018, Table 2), 3x3 layers padded by 1
  (as PyTorch and TensorFlow "SAME" give the same sizes here), so every output size and the MAC count (~300M)
  equal the real network. Depthwise layers are :meth:`Layer.depthwise` (one group per channel).
* ``bert_base_encoder``: one BERT-base encoder layer (hidden 768, 12 heads of 64, FFN 3072) at sequence length
  128 as GEMMs: Q, K, V and output projections, per-head scores ``QK^T`` and context ``AV`` (12 repeats), and the
  two FFN GEMMs. Softmax, LayerNorm and GELU are not modelled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from archgym_lite.core.errors import SpecError, format_allowed
from simulators.accelerator.topology_csv import load_workload_csv
from simulators.accelerator.workloads import Layer, Workload

# name, ifmap h, ifmap w, filter h, filter w, channels, filters, stride  (SCALE-Sim resnet18.csv, unpadded)
_RESNET18_SCALESIM = (
    ("Conv1", 224, 224, 7, 7, 3, 64, 2),
    ("CBa2a_1", 56, 56, 3, 3, 64, 64, 1), ("CBa2a_2", 56, 56, 3, 3, 64, 64, 1),
    ("CBa2b_1", 56, 56, 3, 3, 64, 64, 1), ("CBa2b_2", 56, 56, 3, 3, 64, 64, 1),
    ("CBa3a_1", 56, 56, 3, 3, 64, 128, 2), ("CBa3a_2", 28, 28, 3, 3, 128, 128, 1),
    ("CBa3b_1", 28, 28, 3, 3, 128, 128, 1), ("CBa3b_2", 28, 28, 3, 3, 128, 128, 1),
    ("CBa3s", 56, 56, 1, 1, 64, 128, 2),
    ("CBa4a_1", 28, 28, 3, 3, 128, 256, 2), ("CBa4a_2", 14, 14, 3, 3, 256, 256, 1),
    ("CBa4b_1", 14, 14, 3, 3, 256, 256, 1), ("CBa4b_2", 14, 14, 3, 3, 256, 256, 1),
    ("CBa4s", 28, 28, 1, 1, 128, 256, 2),
    ("CBa5a_1", 14, 14, 3, 3, 256, 512, 2), ("CBa5a_2", 7, 7, 3, 3, 512, 512, 1),
    ("CBa5b_1", 7, 7, 3, 3, 512, 512, 1), ("CBa5b_2", 7, 7, 3, 3, 512, 512, 1),
    ("CBa5s", 14, 14, 1, 1, 256, 512, 2),
    ("FC6", 1, 1, 1, 1, 512, 1000, 1),
)

# MobileNetV2 inverted-residual settings: expansion t, output channels c, repeats n, first stride s.
_MBV2_BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1))


# name, input size (square), kernel, channels, filters, stride, padding  (torchvision resnet18, SCALE-Sim names)
_RESNET18 = (
    ("Conv1", 224, 7, 3, 64, 2, 3),
    ("CBa2a_1", 56, 3, 64, 64, 1, 1), ("CBa2a_2", 56, 3, 64, 64, 1, 1),
    ("CBa2b_1", 56, 3, 64, 64, 1, 1), ("CBa2b_2", 56, 3, 64, 64, 1, 1),
    ("CBa3a_1", 56, 3, 64, 128, 2, 1), ("CBa3a_2", 28, 3, 128, 128, 1, 1),
    ("CBa3b_1", 28, 3, 128, 128, 1, 1), ("CBa3b_2", 28, 3, 128, 128, 1, 1),
    ("CBa3s", 56, 1, 64, 128, 2, 0),
    ("CBa4a_1", 28, 3, 128, 256, 2, 1), ("CBa4a_2", 14, 3, 256, 256, 1, 1),
    ("CBa4b_1", 14, 3, 256, 256, 1, 1), ("CBa4b_2", 14, 3, 256, 256, 1, 1),
    ("CBa4s", 28, 1, 128, 256, 2, 0),
    ("CBa5a_1", 14, 3, 256, 512, 2, 1), ("CBa5a_2", 7, 3, 512, 512, 1, 1),
    ("CBa5b_1", 7, 3, 512, 512, 1, 1), ("CBa5b_2", 7, 3, 512, 512, 1, 1),
    ("CBa5s", 14, 1, 256, 512, 2, 0),
)


def resnet18() -> Workload:
    """ResNet-18 as published, padded (see module docstring)."""
    convs = tuple(Layer.conv(n, size, size, k, c, m, s, p) for n, size, k, c, m, s, p in _RESNET18)
    return Workload("resnet18", (*convs, Layer("FC6", 1, 1, 1, 1, 512, 1000)))


def resnet18_scalesim() -> Workload:
    """ResNet-18 exactly as SCALE-Sim's ``resnet18.csv`` (unpadded; see module docstring)."""
    return Workload("resnet18_scalesim", tuple(Layer(n, h, w, fh, fw, c, m, s, s)
                                               for n, h, w, fh, fw, c, m, s in _RESNET18_SCALESIM))


def mobilenet_v2(resolution: int = 224) -> Workload:
    """MobileNetV2 1.0 (see module docstring)."""
    layers: list[Layer] = []
    size, cin = resolution, 3
    layers.append(Layer.conv("conv1", size, size, 3, cin, 32, 2, 1))
    size, cin = layers[-1].ofmap_h, 32
    for b, (t, c, n, s) in enumerate(_MBV2_BLOCKS, start=1):
        for i in range(n):
            stride = s if i == 0 else 1
            tag = f"b{b}_{i + 1}"
            hidden = cin * t
            if t != 1:
                layers.append(Layer(f"{tag}_expand", size, size, 1, 1, cin, hidden))
            layers.append(Layer.depthwise(f"{tag}_dw", size, size, 3, hidden, stride, padding=1))
            size = layers[-1].ofmap_h
            layers.append(Layer(f"{tag}_project", size, size, 1, 1, hidden, c))
            cin = c
    layers.append(Layer("conv_last", size, size, 1, 1, cin, 1280))
    layers.append(Layer.gemm("fc", 1, 1000, 1280))
    return Workload("mobilenet_v2", tuple(layers))


def bert_base_encoder(seq_len: int = 128) -> Workload:
    """One BERT-base encoder layer as GEMMs (see module docstring)."""
    d, heads, ffn = 768, 12, 3072
    dh = d // heads
    return Workload("bert_base_encoder", (
        Layer.gemm("q_proj", seq_len, d, d), Layer.gemm("k_proj", seq_len, d, d), Layer.gemm("v_proj", seq_len, d, d),
        Layer.gemm("attn_scores", seq_len, seq_len, dh, repeats=heads),
        Layer.gemm("attn_context", seq_len, dh, seq_len, repeats=heads),
        Layer.gemm("out_proj", seq_len, d, d),
        Layer.gemm("ffn1", seq_len, ffn, d), Layer.gemm("ffn2", seq_len, d, ffn),
    ))


BUILTIN_WORKLOADS: dict[str, Callable[[], Workload]] = {
    "resnet18": resnet18,
    "resnet18_scalesim": resnet18_scalesim,
    "mobilenet_v2": mobilenet_v2,
    "bert_base_encoder": bert_base_encoder,
}


def get_workload(workload: str | Path | Workload) -> Workload:
    """A :class:`Workload` from a built-in name, a SCALE-Sim topology / GEMM CSV path, or a workload itself.

    Raises:
        SpecError: ``workload`` is neither a built-in name nor an existing file.
        TraceError: The file is malformed (file, line and column named).
    """
    if isinstance(workload, Workload):
        return workload
    key = str(workload)
    if key in BUILTIN_WORKLOADS:
        return BUILTIN_WORKLOADS[key]()
    if Path(key).is_file():
        return load_workload_csv(key)
    raise SpecError(f"unknown workload {key!r}; allowed: {format_allowed(BUILTIN_WORKLOADS)} or a path to a "
                    "SCALE-Sim topology / GEMM CSV file", "workload")
