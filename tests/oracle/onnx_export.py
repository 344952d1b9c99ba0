"""Models and checks for the ONNX export tests (tests/java/dev/torchslim/export).

  onnx_export.py make DIR        DIR/NAME.pt (TorchScript), NAME.x.npy (100 inputs), NAME.data.pt ({'x', 'y'}: 32
                                 calibration inputs) for resnet18 and mobilenet_v2 (torchvision, scripted, 3x96x96),
                                 bert (small BertModel, traced, 16 token ids) and lstm (LSTM classifier, scripted),
                                 the classes of real_models.py with random weights
  onnx_export.py check FILE...   onnx.checker.check_model(full_check=True) on each file; one JSON line per file
  onnx_export.py run FILE X OUT  runs FILE in Python's ONNX Runtime on X (.npy), writes OUT (.npy)"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def make(directory):
    import torch
    import real_models
    wanted = {"resnet18.script": "resnet18", "mobilenet_v2.script": "mobilenet_v2", "bert": "bert", "lstm": "lstm"}
    for name, ctor, shape, how, kind in real_models.models():
        if name not in wanted:
            continue
        out = wanted[name]
        torch.manual_seed(1)
        m = ctor().eval()
        g = torch.Generator().manual_seed(2)
        if kind == "ids":
            x = torch.randint(0, 1000, (100, *shape), generator=g)
            calib = torch.randint(0, 1000, (32, *shape), generator=g)
        else:
            x = torch.randn(100, *shape, generator=g)
            calib = torch.randn(32, *shape, generator=g)
        with torch.no_grad():
            ts = torch.jit.script(m) if how == "script" else torch.jit.trace(m, x[:2], check_trace=False)
            y = ts(calib).argmax(1)
        ts.save(f"{directory}/{out}.pt")
        np.save(f"{directory}/{out}.x.npy", x.numpy())
        torch.save({"x": calib, "y": y}, f"{directory}/{out}.data.pt")
        print(out, flush=True)


def check(files):
    import onnx
    for f in files:
        result = {"file": f, "ok": False}
        try:
            onnx.checker.check_model(f, full_check=True)
            result["ok"] = True
            model = onnx.load(f)
            result["opset"] = model.opset_import[0].version
            result["nodes"] = len(model.graph.node)
        except Exception as e:  # reported, the Java test asserts on it
            result["error"] = str(e)[:2000]
        print(json.dumps(result), flush=True)


def run(file, x, out):
    import onnxruntime as ort
    s = ort.InferenceSession(file, providers=["CPUExecutionProvider"])
    y = s.run(None, {s.get_inputs()[0].name: np.load(x)})[0]
    np.save(out, y)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2:])
    elif sys.argv[1] == "run":
        run(*sys.argv[2:5])
    else:
        sys.exit("usage: onnx_export.py make DIR | check FILE... | run FILE X OUT")
