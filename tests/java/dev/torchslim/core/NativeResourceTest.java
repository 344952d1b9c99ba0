package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NativeResourceTest {
    static final class Counting extends NativeResource {
        final AtomicInteger releases = new AtomicInteger();

        void operate() {
            checkOpen();
        }

        @Override
        protected void release() {
            releases.incrementAndGet();
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
}
