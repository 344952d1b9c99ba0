/**
 * Data for training, calibration and evaluation: {@link dev.torchslim.data.TensorData} reads
 * inputs and targets from {@code torch.save} files and NumPy {@code .npy} arrays and hands out
 * batches; {@link dev.torchslim.data.FashionMnist} loads the demo's data set from IDX files
 * ({@link dev.torchslim.data.IdxReader}) into a normalised {@link dev.torchslim.data.Dataset}.
 * Missing or malformed files raise {@link dev.torchslim.data.DatasetNotFoundException} and
 * {@link dev.torchslim.data.IdxFormatException}, naming the file.
 */
package dev.torchslim.data;
