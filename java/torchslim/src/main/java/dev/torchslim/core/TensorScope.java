package dev.torchslim.core;

import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Frees, at the end of a block, every tensor and other JavaCPP pointer created on this thread
 * inside it (a {@link PointerScope} underneath). Results that must outlive the block are
 * {@link #detach detached} on purpose.
 *
 * <pre>{@code
 * try (TensorScope scope = new TensorScope()) {
 *     Tensor out = model.forward(x);          // freed at the end
 *     return scope.detach(out.argmax(...));   // survives; the caller owns it
 * }
 * }</pre>
 */
public final class TensorScope implements AutoCloseable {
    private final PointerScope scope = new PointerScope();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Removes p from this scope so it survives close(); the caller now owns it.
     *
     * @param <P> the pointer type
     * @param p a pointer held by this scope
     * @return p
     */
    public <P extends Pointer> P detach(P p) {
        checkOpen();
        // detach() drops the scope's reference; take one for the caller first, or it is freed now.
        p.retainReference();
        scope.detach(p);
        return p;
    }

    /**
     * Adds p, created elsewhere, to this scope so it is freed on close().
     *
     * @param <P> the pointer type
     * @param p a pointer to free with this scope
     * @return p
     */
    public <P extends Pointer> P attach(P p) {
        checkOpen();
        scope.attach(p);
        return p;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("TensorScope is already closed");
        }
    }

    /** Frees everything still attached. A second call does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            scope.close();
        }
    }
}
