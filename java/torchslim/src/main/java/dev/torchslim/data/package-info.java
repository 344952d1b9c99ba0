/**
 * Data for training, calibration and evaluation: {@link dev.torchslim.data.TensorData} reads
 * inputs and targets from {@code torch.save} files and NumPy {@code .npy} arrays and hands out
 * batches.
 */
package dev.torchslim.data;
