/**
 * What every other package builds on: loading the natives ({@link dev.torchslim.core.NativeLibrary}),
 * versions and thread settings ({@link dev.torchslim.core.TorchSlim}), devices and CUDA streams
 * ({@link dev.torchslim.core.Device}, {@link dev.torchslim.core.CudaStream}), ownership of native
 * memory ({@link dev.torchslim.core.NativeResource} for handles that close exactly once,
 * {@link dev.torchslim.core.TensorScope} for tensors made inside a block), and safe files: input
 * models checked before LibTorch reads them ({@link dev.torchslim.core.ModelFiles}), outputs checked
 * ({@link dev.torchslim.core.OutputFiles}) and written through a temporary file and a rename
 * ({@link dev.torchslim.core.AtomicFiles}). Native errors arrive as
 * {@link dev.torchslim.core.TorchSlimException}. Long loops report their progress to a
 * {@link dev.torchslim.core.ProgressListener} installed with {@link dev.torchslim.core.Progress#listen}.
 */
package dev.torchslim.core;
