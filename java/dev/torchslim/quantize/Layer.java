package dev.torchslim.quantize;

/** One layer of a Sequential model as quantization sees it: its dotted path and its kind ("Linear"). */
public record Layer(String path, String kind) {
    public boolean isLinear() {
        return kind.equals("Linear");
    }

    public boolean isConv2d() {
        return kind.equals("Conv2d");
    }
}
