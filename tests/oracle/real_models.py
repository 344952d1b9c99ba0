"""Real-model files for the acceptance runs of tests/bench/real-models.sh (random weights; nothing downloaded).

  real_models.py make DIR [NAME...]
                                   DIR/NAME.pt, DIR/NAME.x.npy (inputs), DIR/NAME.data.pt ({'x', 'y'}) for every NAME
                                   (or those named); BatchNorm statistics set from the calibration inputs
                                   (recalibrate_batch_norm), as a trained model's would fit its data
  real_models.py check REF OUT X [MODE DATA]
                                   runs the fp32 file REF and a TorchSlim output OUT on X in Python; prints one JSON line:
                                   loads, runs, quantized op count, argmax agreement, max error / output range; with
                                   MODE static|dynamic and DATA (the .data.pt), also the largest difference between OUT
                                   and Python's own quantize_jit / quantize_dynamic_jit of REF (same observers)
Names: resnet18, mobilenet_v2, efficientnet_b0, shufflenet_v2 (each .script and .trace), bert (traced from
transformers, a tiny config: 2 layers, width 128, 4 heads, FFN 256), lstm (LSTM classifier, scripted), transformer (nn.TransformerEncoder, scripted), transformer.trace (the same
traced under no_grad: PyTorch's fused fast-path op); made only when named: transformer.grad (the same traced with
gradients on: MultiheadAttention's general path with scaled_dot_product_attention), attention.grad (nn.MultiheadAttention
called directly, need_weights on, traced with gradients on: its bmm/softmax path), transformer.wide and
transformer.wide.trace (the encoder at nn.Transformer's default width 512, 8 heads, FFN 2048; scripted, and traced
under no_grad), bert.small (Google's BERT-Small miniature: 4 layers, width 512, 8 heads, FFN 2048; traced)."""
import json
import sys
import types
import warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
torch.backends.quantized.engine = "x86"


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


class Encoder(nn.Module):
    def __init__(self, width=128, heads=4, ffn=256):
        super().__init__()
        layer = nn.TransformerEncoderLayer(width, heads, ffn, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        # TransformerEncoder deep-copies one layer: fresh weights per layer, as a trained model has
        # (identical layers would let freezing pool their weights and flatter every size figure).
        for copy in self.encoder.layers:
            copy.self_attn._reset_parameters()
            copy.linear1.reset_parameters()
            copy.linear2.reset_parameters()
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        return self.fc(self.encoder(x).mean(1))


class WideEncoder(Encoder):
    """The same 2-layer encoder at nn.Transformer's default width: d_model 512, 8 heads, FFN 2048."""

    def __init__(self):
        super().__init__(512, 8, 2048)


class AttentionClassifier(nn.Module):
    """nn.MultiheadAttention called as a user calls it (tokens first, need_weights left on, the weights
    dropped): traced with gradients on, F.multi_head_attention_forward's general path (bmm, softmax)."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 64)
        self.attn = nn.MultiheadAttention(64, 4)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        h = self.proj(x).transpose(0, 1)
        a, _ = self.attn(h, h, h)
        return self.fc((h + a).mean(0))


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        from transformers import BertConfig, BertModel
        config = BertConfig(vocab_size=1000, hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=256, max_position_embeddings=64, torchscript=True)
        self.bert = BertModel(config)
        self.fc = nn.Linear(128, 2)

    def forward(self, input_ids):
        return self.fc(self.bert(input_ids)[1])


class BertSmall(Bert):
    """Google's "BERT-Small" miniature (Turc et al. 2019: 4 layers, width 512, 8 heads, FFN 2048) at 64 positions,
    with the test vocabulary of 1000 ids (the embeddings' size barely moves latency)."""

    def __init__(self):
        nn.Module.__init__(self)
        from transformers import BertConfig, BertModel
        config = BertConfig(vocab_size=1000, hidden_size=512, num_hidden_layers=4, num_attention_heads=8,
                            intermediate_size=2048, max_position_embeddings=64, torchscript=True)
        self.bert = BertModel(config)
        self.fc = nn.Linear(512, 2)


def models():
    import torchvision.models as tv
    image = (3, 96, 96)
    for name, ctor in [("resnet18", tv.resnet18), ("mobilenet_v2", tv.mobilenet_v2),
                       ("efficientnet_b0", tv.efficientnet_b0), ("shufflenet_v2", tv.shufflenet_v2_x0_5)]:
        for how in ("script", "trace"):
            yield f"{name}.{how}", lambda c=ctor: c(weights=None), image, how, "float"
    yield "bert", Bert, (16,), "trace", "ids"
    yield "lstm", LstmClassifier, (20, 64), "script", "float"
    yield "transformer", Encoder, (16, 128), "script", "float"
    yield "transformer.trace", Encoder, (16, 128), "trace", "float"
    # made only when named: traced with gradients on (no fast path; MultiheadAttention's general path)
    yield "transformer.grad", Encoder, (16, 128), "trace-grad", "float"
    yield "attention.grad", AttentionClassifier, (16, 32), "trace-grad", "float"
    yield "transformer.wide", WideEncoder, (16, 512), "script", "float"
    yield "transformer.wide.trace", WideEncoder, (16, 512), "trace", "float"
    yield "bert.small", BertSmall, (16,), "trace", "ids"


OPT_IN = {"transformer.grad", "attention.grad", "transformer.wide", "transformer.wide.trace", "bert.small"}


def recalibrate_batch_norm(m, calib):
    """Random init leaves every BatchNorm's running statistics at mean 0, variance 1: deep nets such as
    MobileNetV2 and EfficientNet-B0 then give near-constant outputs, and an argmax comparison measures
    noise (even fp16 'agrees' on 0%). A trained model's statistics fit its activations, so here they are
    set from the calibration inputs (cumulative average, the rest of the model in eval mode)."""
    norms = [mod for mod in m.modules() if isinstance(mod, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    with torch.no_grad():
        m(calib)
    m.eval()


def make(directory, only=None, n_inputs=32, n_calib=64, recalibrate=False):
    """Saves each model (or those named in only, a dict model name -> file name) with n_inputs test
    inputs and n_calib calibration rows labelled by the model itself; with recalibrate, BatchNorm
    statistics are first set from the calibration rows (recalibrate_batch_norm)."""
    for name, ctor, shape, how, kind in models():
        if (only is not None and name not in only) or (only is None and name in OPT_IN):
            continue
        out = only[name] if only is not None else name
        torch.manual_seed(1)
        m = ctor().eval()
        g = torch.Generator().manual_seed(2)
        if kind == "ids":
            x = torch.randint(0, 1000, (n_inputs, *shape), generator=g)
            calib = torch.randint(0, 1000, (n_calib, *shape), generator=g)
        else:
            x = torch.randn(n_inputs, *shape, generator=g)
            calib = torch.randn(n_calib, *shape, generator=g)
        if recalibrate:
            recalibrate_batch_norm(m, calib)
        with torch.set_grad_enabled(how == "trace-grad"):
            ts = torch.jit.script(m) if how == "script" else torch.jit.trace(m, x[:2], check_trace=False)
        with torch.no_grad():
            y = ts(calib).argmax(1)
        ts.save(f"{directory}/{out}.pt")
        np.save(f"{directory}/{out}.x.npy", x.numpy())
        torch.save({"x": calib, "y": y}, f"{directory}/{out}.data.pt")
        print(out, sum(p.numel() for p in m.parameters()), flush=True)


def python_int8(ref_file, mode, data_file):
    from torch.ao.quantization import (QConfig, MinMaxObserver, default_dynamic_qconfig,
                                       default_per_channel_weight_observer, quantize_dynamic_jit, quantize_jit)
    model = torch.jit.load(ref_file).eval()
    if mode == "dynamic":
        return quantize_dynamic_jit(model, {"": default_dynamic_qconfig})
    calib = torch.load(data_file)["x"]
    qconfig = QConfig(activation=MinMaxObserver.with_args(reduce_range=True), weight=default_per_channel_weight_observer)

    def calibrate(m, data):
        with torch.no_grad():
            for i in range(0, data.shape[0], 16):
                m(data[i:i + 16])

    return quantize_jit(model, {"": qconfig}, calibrate, [calib])


def quantized_ops(m):
    """The quantized:: (and aten::quantized_*) ops of a loaded module's inlined forward, one level of blocks deep."""
    g = m.graph.copy()
    torch._C._jit_pass_inline(g)
    kinds = [n.kind() for n in g.nodes()]
    for n in g.nodes():
        for b in n.blocks():
            kinds += [k.kind() for k in b.nodes()]
    return sum(1 for k in kinds if k.startswith("quantized::") or k.startswith("aten::quantized_"))


def check(ref_file, out_file, x_file, mode=None, data_file=None):
    x = torch.from_numpy(np.load(x_file))
    result = {"file": out_file, "loads": False, "runs": False}
    ref = torch.jit.load(ref_file).eval()
    with torch.no_grad():
        want = ref(x)
    try:
        m = torch.jit.load(out_file)
        result["loads"] = True
        with torch.no_grad():
            got = m(x)
        if isinstance(got, (tuple, list)):
            got = got[0]
        got = got.float()
        result["runs"] = True
        result["quantized_ops"] = quantized_ops(m)
        result["argmax_agreement"] = float((got.argmax(1) == want.argmax(1)).float().mean())
        result["num_heads"] = [sub.num_heads for _, sub in m.named_modules()
                               if getattr(sub, "original_name", "") == "MultiheadAttention" and hasattr(sub, "num_heads")]
        result["max_error_of_range"] = float((got - want).abs().max() / (want.max() - want.min()))
        if mode in ("static", "dynamic"):
            with torch.no_grad():
                py = python_int8(ref_file, mode, data_file)(x)
            py = py[0] if isinstance(py, (tuple, list)) else py
            result["max_diff_vs_python_int8"] = float((got - py.float()).abs().max())
    except Exception as e:  # reported, not raised: the runner tabulates failures
        result["error"] = str(e).splitlines()[0][:200]
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], {n: n for n in sys.argv[3:]} or None, recalibrate=True)
    elif sys.argv[1] == "check":
        check(*sys.argv[2:7])
    else:
        sys.exit(__doc__)
