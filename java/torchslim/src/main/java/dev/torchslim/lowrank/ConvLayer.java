package dev.torchslim.lowrank;

/**
 * A Conv2d of a model as the factorizer sees it: its module path, its weight's shape [out, in, kh, kw],
 * the geometry its forward's convolution uses, its TorchScript class (Conv2d layers that share a class
 * are factorized together or not at all), and why it cannot be factorized when it cannot.
 *
 * @param name the module path, e.g. "layer1.0.conv1"
 * @param outChannels the weight's dim 0
 * @param inChannels the weight's dim 1 (per group)
 * @param kernelH the kernel's height
 * @param kernelW the kernel's width
 * @param geometry "stride SHxSW padding PHxPW dilation DHxDW"
 * @param groups the convolution's groups
 * @param className the module's TorchScript class
 * @param problem empty when the layer can be factorized, else why not
 */
public record ConvLayer(String name, long outChannels, long inChannels, long kernelH, long kernelW, String geometry,
        long groups, String className, String problem) {
    /**
     * Parameters of the dense weight.
     *
     * @return out * in * kh * kw
     */
    public long denseParams() {
        return outChannels * inChannels * kernelH * kernelW;
    }

    /**
     * The matrix spatial SVD factorizes, as a Linear: (Cout*kw) x (Cin*kh); its dense and factor parameter
     * counts are the conv's.
     *
     * @return the view a rank policy reads
     */
    public LinearLayer spatialView() {
        return new LinearLayer(name, outChannels * kernelW, inChannels * kernelH, className);
    }

    /**
     * Parameters of the three Tucker-2 factors.
     *
     * @param rankIn the input side's rank
     * @param rankOut the output side's rank
     * @return Cin*r_in + r_out*r_in*kh*kw + Cout*r_out
     */
    public long tuckerParams(int rankIn, int rankOut) {
        return inChannels * rankIn + (long) rankOut * rankIn * kernelH * kernelW + outChannels * rankOut;
    }

    /**
     * The shape, e.g. "64x32x3x3".
     *
     * @return out x in x kh x kw
     */
    public String shape() {
        return outChannels + "x" + inChannels + "x" + kernelH + "x" + kernelW;
    }
}
