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
    import real_models
    real_models.make(directory, only={"resnet18.script": "resnet18", "mobilenet_v2.script": "mobilenet_v2",
                                      "bert": "bert", "lstm": "lstm"}, n_inputs=100, n_calib=32)


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
