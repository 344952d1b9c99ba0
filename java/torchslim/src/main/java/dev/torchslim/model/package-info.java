/**
 * Building bytedeco Sequentials safely: {@link dev.torchslim.model.Modules} makes the pooling,
 * dropout and normalization modules shared-owned, so a {@code Sequential} that holds them survives
 * the garbage collector's release of their Java objects.
 */
package dev.torchslim.model;
