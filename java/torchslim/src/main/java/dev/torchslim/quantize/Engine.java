package dev.torchslim.quantize;

/** The int8 kernel library LibTorch runs quantized layers on. */
public enum Engine {
    /** What PyTorch picks: x86, else fbgemm, else qnnpack. */
    DEFAULT(""),
    /** Intel's x86 backend (FBGEMM and oneDNN kernels chosen per op), PyTorch's default on x86. */
    X86("x86"),
    /** FBGEMM, the server x86 library. */
    FBGEMM("fbgemm"),
    /** QNNPACK, for ARM and mobile. */
    QNNPACK("qnnpack"),
    /** oneDNN (formerly MKL-DNN). */
    ONEDNN("onednn");

    private final String nativeName;

    Engine(String nativeName) {
        this.nativeName = nativeName;
    }

    /**
     * The name LibTorch uses ("" for DEFAULT).
     *
     * @return the native name
     */
    public String nativeName() {
        return nativeName;
    }

    /**
     * Parses "default", "x86", "fbgemm", "qnnpack" or "onednn".
     *
     * @param name an engine name, in any case
     * @return the engine
     * @throws IllegalArgumentException for any other name
     */
    public static Engine parse(String name) {
        for (Engine e : values()) {
            if (e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "': expected default, x86, fbgemm, qnnpack or onednn");
    }
}
