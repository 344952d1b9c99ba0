package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class NativeResourceTest {
    static final class Counting extends NativeResource {
        final AtomicInteger releases = new AtomicInteger();

        void operate() {
            try (Use u = use()) {
                // nothing: only the guard
            }
        }

        void runInside(Runnable r) {
            try (Use u = use()) {
                r.run();
            }
        }

        @Override
        protected void release() {
            releases.incrementAndGet();
        }
    }

    /** A resource that owns real LibTorch memory: a use after free would read freed memory. */
    static final class NativeMatrix extends NativeResource {
        private final Tensor matrix;

        NativeMatrix(int n) {
            NativeLibrary.ensureLoaded();
            matrix = torch.rand(n, n);
        }

        /** Several native products over the matrix: long enough for a close to arrive in between. */
        double work(int rounds) {
            try (Use u = use()) {
                double sum = 0;
                for (int i = 0; i < rounds; i++) {
                    try (Tensor p = torch.matmul(matrix, matrix); Tensor s = p.sum()) {
                        sum += s.item_double();
                    }
                }
                return sum;
            }
        }

        @Override
        protected void release() {
            matrix.close(); // frees the storage now; a later native call on it would crash
        }
    }

    @Test
    void releasesExactlyOnceEvenFromManyThreads() throws InterruptedException {
        Counting r = new Counting();
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(r::close);
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        r.close();
        assertEquals(1, r.releases.get());
        assertTrue(r.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::operate);
        assertTrue(e.getMessage().contains("already closed"));
    }

    @Test
    void closeWaitsForTheOperationInFlight() throws Exception {
        Counting r = new Counting();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger releasesSeenAtEnd = new AtomicInteger(-1);
        Thread op = new Thread(() -> r.runInside(() -> {
            inside.countDown();
            await(finish);
            releasesSeenAtEnd.set(r.releases.get());
        }));
        op.start();
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        Thread closer = new Thread(r::close);
        closer.start();
        closer.join(300);
        assertTrue(closer.isAlive(), "close() returned while an operation was still running");
        assertEquals(0, r.releases.get());
        finish.countDown();
        closer.join(10_000);
        op.join(10_000);
        assertFalse(closer.isAlive());
        assertEquals(0, releasesSeenAtEnd.get(), "release ran before the operation ended");
        assertEquals(1, r.releases.get());
    }

    @Test
    void closeInsideItsOwnOperationIsRefused() {
        Counting r = new Counting();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.runInside(r::close));
        assertTrue(e.getMessage().contains("inside one of its own operations"), e.getMessage());
        assertFalse(r.isClosed());
        r.close();
        assertEquals(1, r.releases.get());
    }

    @Test
    void closeRacingNativeWorkNeverFreesUnderIt() throws Exception {
        for (int round = 0; round < 20; round++) {
            NativeMatrix m = new NativeMatrix(192);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            Thread[] workers = new Thread[3];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Thread(() -> {
                    try {
                        for (int k = 0; k < 50; k++) {
                            m.work(2);
                        }
                        completed.incrementAndGet();
                    } catch (IllegalStateException e) {
                        refused.incrementAndGet(); // closed: refused before touching native memory
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                });
                workers[i].start();
            }
            Thread.sleep(round % 5);
            m.close();
            for (Thread t : workers) {
                t.join(60_000);
            }
            assertEquals(null, failure.get());
            assertTrue(m.isClosed());
            assertEquals(workers.length, refused.get() + completed.get(),
                    "every worker either finished or was refused after close");
            assertThrows(IllegalStateException.class, () -> m.work(1));
        }
    }

    @Test
    void trackingNamesWhatWasNotClosed() {
        assumeTrue(NativeResource.tracking(), "run with -Dtorchslim.trackResources=true (the pom sets it)");
        Counting leaked = new Counting();
        String me = "trackingNamesWhatWasNotClosed";
        assertTrue(NativeResource.openResources().stream().anyMatch(o -> o.type().equals(Counting.class.getName())
                && o.createdAt().get(0).getMethodName().equals(me)), NativeResource.openResources().toString());
        leaked.close();
        assertFalse(NativeResource.openResources().stream().anyMatch(o -> o.createdAt().stream()
                .anyMatch(e -> e.getMethodName().equals(me))), "a closed resource is still listed");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
