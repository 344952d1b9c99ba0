/**
 * The demo's data: {@link dev.torchslim.examples.data.FashionMnist} loads Fashion-MNIST from IDX
 * files ({@link dev.torchslim.examples.data.IdxReader}) into a normalised
 * {@link dev.torchslim.examples.data.Dataset}. Missing or malformed files raise
 * {@link dev.torchslim.examples.data.DatasetNotFoundException} and
 * {@link dev.torchslim.examples.data.IdxFormatException}, naming the file.
 */
package dev.torchslim.examples.data;
