"""Accelerator workloads: built-in networks against published sizes, SCALE-Sim CSV and .cfg loaders, errors."""

from __future__ import annotations

import pytest

from archgym_lite.core.errors import DesignError, SpecError, TraceError
from simulators.accelerator import (
    AcceleratorSimulator,
    Layer,
    bert_base_encoder,
    get_workload,
    load_gemm_csv,
    load_topology_csv,
    load_workload_csv,
    make_env,
    mobilenet_v2,
    read_scalesim_cfg,
    resnet18,
    resnet18_scalesim,
)


def test_resnet18_scalesim_is_scalesims_topology():
    wl = resnet18_scalesim()
    assert len(wl.layers) == 21
    conv1 = wl.layers[0]
    assert (conv1.ofmap_h, conv1.ofmap_w) == (110, 110)  # ceil((224 - 7 + 2) / 2), no padding
    assert conv1.macs == 110 * 110 * 7 * 7 * 3 * 64
    assert wl.layers[-1].macs == 512 * 1000
    assert all(layer.pad == (0, 0, 0, 0) for layer in wl.layers)


def test_resnet18_is_padded_as_published():
    wl = resnet18()
    # He et al. 2016 / torchvision: conv1 7x7/2 pad 3 -> 112 (max-pool to 56 not modelled), 3x3 pad 1, 1x1/2 pad 0
    sizes = {layer.name: layer.ofmap_h for layer in wl.layers}
    assert sizes["Conv1"] == 112
    assert [sizes[n] for n in ("CBa2a_1", "CBa3a_1", "CBa3s", "CBa4a_1", "CBa5a_2", "CBa5s")] == [56, 28, 28, 14, 7, 7]
    # MACs by hand: conv1 112^2*147*64; stage 1 4 x 56^2*576*64; stages 2-4 each: strided 3x3 + 3 x 3x3 + 1x1
    stage = [(28, 64, 128), (14, 128, 256), (7, 256, 512)]
    macs = 112 * 112 * 147 * 64 + 4 * 56 * 56 * 576 * 64 + 512 * 1000
    macs += sum(e * e * (9 * cin * m + 3 * 9 * m * m + cin * m) for e, cin, m in stage)
    assert wl.macs == macs
    assert round(wl.macs / 1e9, 2) == 1.81  # He et al. Table 1: 1.8 G multiply-adds; torchvision lists 1.81
    conv1 = wl.layers[0]
    assert (conv1.ifmap_h, conv1.pad) == (229, (3, 2, 3, 2)) and conv1.real_ifmap_words == 224 * 224 * 3


def test_conv_padding_matches_pytorch_output_sizes():
    for size, k, s, p in [(224, 7, 2, 3), (56, 3, 2, 1), (56, 1, 2, 0), (7, 3, 1, 1), (113, 3, 2, 1), (15, 5, 3, 2)]:
        layer = Layer.conv("x", size, size, k, 4, 8, s, p)
        assert layer.ofmap_h == (size + 2 * p - k) // s + 1  # torch.nn.Conv2d output size
        assert layer.pad[0] == p and layer.pad[1] <= p


def test_padding_attribute_is_validated():
    with pytest.raises(SpecError, match="pad"):
        Layer("x", 8, 8, 3, 3, 1, 1, pad=(1, 1, -1, 0))
    with pytest.raises(SpecError, match="no real input"):
        Layer("x", 4, 4, 3, 3, 1, 1, pad=(2, 2, 0, 0))


def test_mobilenet_v2_matches_the_paper():
    wl = mobilenet_v2()
    # Sandler et al. 2018: 300M multiply-adds at 224x224, width 1.0
    assert wl.macs == pytest.approx(300e6, rel=0.01)
    dw = [layer for layer in wl.layers if layer.kind == "depthwise"]
    assert len(dw) == 17 and all(layer.channels == 1 and layer.num_filters == 1 for layer in dw)
    assert dw[0].groups == 32 and dw[-1].groups == 960
    last = next(layer for layer in wl.layers if layer.name == "conv_last")
    assert (last.ifmap_h, last.channels, last.num_filters) == (7, 320, 1280)
    assert [layer.ofmap_h for layer in dw if layer.stride_h == 2] == [56, 28, 14, 7]


def test_bert_encoder_gemm_macs():
    wl = bert_base_encoder()
    s, d, f = 128, 768, 3072
    assert wl.macs == 4 * s * d * d + 2 * s * d * f + 2 * 12 * s * s * 64
    scores = next(layer for layer in wl.layers if layer.name == "attn_scores")
    assert scores.groups == 12 and (scores.ofmap_h, scores.num_filters) == (128, 128)


SCALESIM_RESNET_HEAD = """Layer, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
Conv1,224,224,7,7,3,64,2,
CBa3s, 56, 56, 1, 1, 64, 128, 2,
FC6, 1, 1, 1, 1, 512, 1000, 1,
"""


def test_topology_csv_in_scalesim_format(tmp_path):
    p = tmp_path / "net.csv"
    p.write_text(SCALESIM_RESNET_HEAD)
    wl = load_workload_csv(p)
    assert wl.name == "net"
    assert [layer.name for layer in wl.layers] == ["Conv1", "CBa3s", "FC6"]
    assert wl.layers[1] == Layer("CBa3s", 56, 56, 1, 1, 64, 128, 2, 2)
    assert wl.layers[0] == resnet18_scalesim().layers[0]


def test_depthwise_rows_follow_scalesim(tmp_path):
    p = tmp_path / "dw.csv"
    p.write_text("Layer name,H,W,FH,FW,C,M,S\nconvDP1,10,10,3,3,8,1,1\nplain,10,10,3,3,8,4,1,1:1\n")
    dw, plain = load_topology_csv(p).layers
    assert (dw.kind, dw.groups, dw.channels, dw.num_filters) == ("depthwise", 8, 1, 1)
    assert (plain.kind, plain.groups, plain.channels) == ("conv", 1, 8)


def test_gemm_csv(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("Layer, M, N, K,\nproj, 128, 768, 768,\n")
    wl = load_workload_csv(p)
    assert wl.layers == (Layer.gemm("proj", 128, 768, 768),)
    assert load_gemm_csv(p).macs == 128 * 768 * 768
    sim = AcceleratorSimulator(str(p))
    assert sim.evaluate(sim.space.default())["latency_cycles"] > 0


@pytest.mark.parametrize("body,pattern", [
    ("c1,12,12,3,3,four,10,1,\n", r"line 2, column 'Channels'.*'four'"),
    ("c1,12,12,3,3,4,10,1,\nc2,12,12,3,3,4,0,1,\n", r"line 3, column 'Num Filter'.*got 0"),
    ("c1,12,12,3,3,4,10,\n", r"line 2: expected 8 columns"),
    ("c1,5,12,7,3,4,10,1,\n", r"line 2, column 'Filter Height'.*larger"),
    ("c1,12,12,3,3,4,10,1,2:4,\n", r"line 2, column 'Sparsity'"),
    ("", r"no layers"),
])
def test_malformed_topology_names_file_line_column(tmp_path, body, pattern):
    p = tmp_path / "bad_topo.csv"
    p.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                 "Strides,\n" + body)
    with pytest.raises(TraceError, match=pattern) as exc:
        load_topology_csv(p)
    assert "bad_topo.csv" in str(exc.value)


def test_malformed_gemm_and_unknown_header(tmp_path):
    p = tmp_path / "bad_gemm.csv"
    p.write_text("Layer, M, N, K,\ng1, 4, 4, 4,\ng2, 4, -1, 4,\n")
    with pytest.raises(TraceError, match=r"bad_gemm.csv, line 3, column 'N'"):
        load_workload_csv(p)
    q = tmp_path / "odd.csv"
    q.write_text("a,b\n1,2\n")
    with pytest.raises(TraceError, match=r"odd.csv, line 1: header has 2 columns"):
        make_env(workload=str(q))
    with pytest.raises(TraceError, match="cannot read"):
        load_gemm_csv(tmp_path / "missing.csv")


def test_get_workload_errors():
    with pytest.raises(SpecError, match="resnet18"):
        get_workload("alexnet")
    with pytest.raises(SpecError, match="positive integer"):
        Layer("x", 4, 4, 3, 3, 0, 1)
    with pytest.raises(SpecError, match="larger than ifmap"):
        Layer("x", 2, 4, 3, 3, 1, 1)


SCALESIM_CFG = """[general]
run_name = google

[architecture_presets]
ArrayHeight:    128
ArrayWidth:     64
IfmapSramSzkB:    1024
FilterSramSzkB:   512
OfmapSramSzkB:    256
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Dataflow : ws
Bandwidth : 32
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[run_presets]
InterfaceBandwidth: USER
UseRamulatorTrace: False
"""


def test_read_scalesim_cfg(tmp_path):
    p = tmp_path / "google.cfg"
    p.write_text(SCALESIM_CFG)
    d = read_scalesim_cfg(p, clock_mhz=800, dram="LPDDR4-3200-x32")
    assert d == {"array_rows": 128, "array_cols": 64, "dataflow": "WS", "ifmap_sram_kib": 1024,
                 "filter_sram_kib": 512, "ofmap_sram_kib": 256, "dram": "LPDDR4-3200-x32", "clock_mhz": 800}
    space = AcceleratorSimulator().space
    d = read_scalesim_cfg(p)
    assert (d["dram"], d["clock_mhz"]) == (space["dram"].default, space["clock_mhz"].default)
    with pytest.raises(DesignError, match="clock_mhz"):
        read_scalesim_cfg(p, clock_mhz=700)
    p.write_text(SCALESIM_CFG.replace("ArrayWidth:     64", "ArrayWidth:     48"))
    with pytest.raises(DesignError, match=r"google.cfg.*array_cols"):
        read_scalesim_cfg(p)
    p.write_text(SCALESIM_CFG.replace("Dataflow : ws\n", ""))
    with pytest.raises(TraceError, match="Dataflow"):
        read_scalesim_cfg(p)
