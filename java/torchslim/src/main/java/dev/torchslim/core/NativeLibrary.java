package dev.torchslim.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the native libraries in the one order that works: bytedeco's LibTorch first, so that
 * libtorchslim binds to the same libtorch_cpu/libc10 as Java, then TorchSlim's own. Checks once
 * that both were built for the same LibTorch version.
 */
public final class NativeLibrary {
    /** The LibTorch version the Java side expects, "major.minor.patch". */
    public static final String EXPECTED_TORCH = "2.13.0";

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);

    private static final Set<Class<?>> LOADED = new HashSet<>();
    private static boolean libTorchLoaded;
    private static boolean versionsChecked;

    private NativeLibrary() {}

    /** Loads LibTorch and TorchSlim's natives; idempotent and cheap once done. */
    public static void ensureLoaded() {
        load(dev.torchslim.jni.CoreApi.class);
    }

    /**
     * For commands whose native calls take only strings and numbers (prune of a file): loads
     * LibTorch's shared libraries (OpenBLAS, libgomp, libc10, libtorch_cpu) and TorchSlim's, but
     * not bytedeco's JNI bindings of the whole LibTorch API (libjnitorch and the ~1,700 classes its
     * JNI_OnLoad resolves, CUDA probes, OpenBLAS's JNI): measured ≈ 30–40% of such a run. The
     * first use of a bytedeco class still loads those as usual. Falls back to {@link #ensureLoaded}
     * when a library is not where the bytedeco jars put it.
     */
    public static synchronized void ensureLoadedWithoutBindings() {
        if (!libTorchLoaded && Loader.isLoadLibraries()) {
            try (CacheLock lock = CacheLock.acquire()) {
                libTorchLoaded = loadLibTorchLibrariesOnly();
            }
            LOG.debug("LibTorch's shared libraries {} without bytedeco's bindings", libTorchLoaded ? "loaded"
                    : "not found where expected: loading them");
        }
        ensureLoaded();
    }

    private static boolean loadLibTorchLibrariesOnly() {
        String platform = Loader.getPlatform();
        String openblas = "/org/bytedeco/openblas/" + platform + "/";
        String pytorch = "/org/bytedeco/pytorch/" + platform + "/";
        // Dependency order; each library finds the ones before it by their soname.
        String[] libraries = {openblas + "libgcc_s.so.1", openblas + "libquadmath.so.0", openblas + "libgfortran.so.5",
            openblas + "libopenblas.so.0", pytorch + "libgomp.so.1", pytorch + "libc10.so", pytorch + "libtorch_cpu.so"};
        try {
            for (String resource : libraries) {
                java.io.File file = Loader.cacheResource(Loader.class, resource);
                if (file == null) {
                    return false;
                }
                System.load(file.getAbsolutePath());
            }
            return true;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return false; // the full load below reports what is really missing
        }
    }

    /**
     * Loads the natives of one binding class (called from their static initialisers); LibTorch's
     * first, once. Idempotent.
     *
     * @param bindingClass the JavaCPP binding class whose natives to load
     */
    public static synchronized void load(Class<?> bindingClass) {
        if (LOADED.contains(bindingClass)) {
            return;
        }
        long start = System.nanoTime();
        try (CacheLock lock = CacheLock.acquire()) {
            loadLibTorch();
            loadBinding(bindingClass);
        }
        LOADED.add(bindingClass);
        LOG.debug("loaded the natives of {} for {} in {} ms", bindingClass.getSimpleName(), Loader.getPlatform(),
                (System.nanoTime() - start) / 1_000_000);
        if (!versionsChecked) {
            versionsChecked = true;
            ExitGuard.install();
            checkVersions();
            configureBlasThreads();
            configureParallelGemm();
        }
    }

    /**
     * JavaCPP's cache: a process may map a library another process is still extracting there
     * (JavaCPP locks the extraction, not the loading, and checks the cached copy unlocked). Until
     * our libraries are loaded, one TorchSlim process at a time extracts and loads; the others wait.
     * A lock file of our own: JavaCPP locks its ".lock" from inside the same process.
     */
    private static final class CacheLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private CacheLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static CacheLock acquire() {
            if (!Loader.isLoadLibraries()) {
                return new CacheLock(null, null);
            }
            FileChannel channel = null;
            try {
                Path dir = Loader.getCacheDir().toPath();
                Files.createDirectories(dir);
                channel = FileChannel.open(dir.resolve(".torchslim-load.lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                return new CacheLock(channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                // A read-only or odd cache directory: load unlocked, as JavaCPP alone would.
                closeQuietly(channel);
                return new CacheLock(null, null);
            }
        }

        @Override
        public void close() {
            try {
                if (lock != null) {
                    lock.release();
                }
            } catch (IOException ignored) {
                // closing the channel below releases it as well
            }
            closeQuietly(channel);
        }

        private static void closeQuietly(FileChannel channel) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing left to release
                }
            }
        }
    }

    private static void loadBinding(Class<?> bindingClass) {
        try {
            Loader.load(bindingClass);
        } catch (ExceptionInInitializerError e) {
            // The binding's static initialiser calls load() again and failed there: pass its error on.
            if (e.getCause() instanceof TorchSlimException cause) {
                throw cause;
            }
            throw e;
        } catch (UnsatisfiedLinkError e) {
            String platform = Loader.getPlatform();
            if (nativesDirectory(platform) == null) {
                throw new TorchSlimException(missingNativesMessage(platform), e);
            }
            throw new TorchSlimException("TorchSlim's native libraries (libtorchslim.so, libjnitorchslim.so for "
                    + platform + ") could not be loaded: " + e.getMessage(), e);
        }
    }

    /**
     * Where the natives for {@code platform} are on the class path, as JavaCPP's Loader looks for
     * them: {@code dev/torchslim/jni/<platform>-gpu/}, then {@code dev/torchslim/jni/<platform>/}.
     *
     * @param platform JavaCPP's platform name, e.g. linux-x86_64
     * @return the resource directory holding libjnitorchslim, or null when no jar or directory has it
     */
    static String nativesDirectory(String platform) {
        for (String classifier : new String[] {platform + "-gpu", platform}) {
            String directory = "dev/torchslim/jni/" + classifier + "/";
            if (NativeLibrary.class.getClassLoader().getResource(directory + System.mapLibraryName("jnitorchslim"))
                    != null) {
                return directory;
            }
        }
        return null;
    }

    /** A consumer that declared the library without its natives' classifier jar: say what to add. */
    static String missingNativesMessage(String platform) {
        String version = TorchSlim.buildInfo().getProperty("torchslim.version", "VERSION");
        return "TorchSlim's native libraries for " + platform + " are not on the class path: add the dependency"
                + " dev.torchslim:torchslim:" + version + " with classifier " + platform + " (or " + platform
                + "-gpu for the CUDA build) beside dev.torchslim:torchslim itself (Maven: <classifier>" + platform
                + "</classifier>; Gradle: 'dev.torchslim:torchslim:" + version + ":" + platform
                + "'). That jar holds dev/torchslim/jni/" + platform + "/" + System.mapLibraryName("torchslim") + " and "
                + System.mapLibraryName("jnitorchslim");
    }

    private static void loadLibTorch() {
        if (libTorchLoaded) {
            return;
        }
        try {
            Loader.load(org.bytedeco.pytorch.global.torch.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | TypeNotPresentException e) {
            // TypeNotPresentException: a preset named in @Platform(preload) is missing, e.g. the
            // org.bytedeco:openblas jar when a consumer excluded it without adding the pinned one.
            throw new TorchSlimException("LibTorch could not be loaded: " + e.getMessage()
                    + ". TorchSlim needs org.bytedeco:pytorch:" + EXPECTED_TORCH + "-1.5.14 with classifier "
                    + Loader.getPlatform() + " (or " + Loader.getPlatform() + "-gpu) and"
                    + " org.bytedeco:openblas with classifier " + Loader.getPlatform() + " on the class path", e);
        }
        libTorchLoaded = true;
    }

    /** See {@link TorchSlim#setBlasThreads}: one OpenBLAS thread unless the user chose. */
    private static void configureBlasThreads() {
        String chosen = System.getProperty("torchslim.blasThreads");
        if (chosen == null && System.getenv("OPENBLAS_NUM_THREADS") != null) {
            return;
        }
        int threads = 1;
        if (chosen != null) {
            try {
                threads = Integer.parseInt(chosen.trim());
            } catch (NumberFormatException e) {
                throw new TorchSlimException("-Dtorchslim.blasThreads must be an integer >= 1, got '" + chosen + "'");
            }
            if (threads < 1) {
                throw new TorchSlimException("-Dtorchslim.blasThreads must be >= 1, got " + threads);
            }
        }
        dev.torchslim.jni.CoreApi.set_blas_threads(threads);
    }

    /** See {@link TorchSlim#setParallelGemm}: on unless -Dtorchslim.parallelGemm=false. */
    private static void configureParallelGemm() {
        String chosen = System.getProperty("torchslim.parallelGemm", "true").trim();
        if (!chosen.equals("true") && !chosen.equals("false")) {
            throw new TorchSlimException("-Dtorchslim.parallelGemm must be true or false, got '" + chosen + "'");
        }
        dev.torchslim.jni.CoreApi.set_parallel_gemm(chosen.equals("true"));
    }

    private static void checkVersions() {
        String compiled = dev.torchslim.jni.CoreApi.torch_version();
        String runtime;
        try {
            runtime = Loader.getVersion("org.bytedeco", "pytorch");
        } catch (java.io.IOException e) {
            runtime = null; // no Maven metadata (shaded jar): only the compiled-in check applies
        }
        String runtimeTorch = runtime == null ? null : runtime.split("-", 2)[0];
        if (!EXPECTED_TORCH.equals(compiled)) {
            throw new TorchSlimException("libtorchslim was compiled against LibTorch " + compiled
                    + " but this TorchSlim expects " + EXPECTED_TORCH + ": rebuild it with 'mvn package'");
        }
        if (runtimeTorch != null && !compiled.equals(runtimeTorch)) {
            throw new TorchSlimException("libtorchslim was compiled against LibTorch " + compiled
                    + " but org.bytedeco:pytorch on the class path is " + runtime
                    + ": use org.bytedeco:pytorch:" + compiled + "-1.5.14");
        }
    }
}
