package dev.torchslim.quantize;

/** The int8 kernel library LibTorch runs quantized layers on. */
public enum Engine {
    /** What PyTorch picks: x86, else fbgemm, else qnnpack. */
    DEFAULT(""),
    X86("x86"),
    FBGEMM("fbgemm"),
    QNNPACK("qnnpack"),
    ONEDNN("onednn");

    private final String nativeName;

    Engine(String nativeName) {
        this.nativeName = nativeName;
    }

    /** The name LibTorch uses ("" for DEFAULT). */
    public String nativeName() {
        return nativeName;
    }

    /** Parses "default", "x86", "fbgemm", "qnnpack" or "onednn". */
    public static Engine parse(String name) {
        for (Engine e : values()) {
            if (e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "': expected default, x86, fbgemm, qnnpack or onednn");
    }
}
