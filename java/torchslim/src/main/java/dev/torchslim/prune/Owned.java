package dev.torchslim.prune;

import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Pruners keep masks, dense copies and weight handles between calls that may run in different
 * TensorScopes; these are detached from the scope they were created in and freed by the pruner.
 */
final class Owned {
    private Owned() {}

    static <P extends Pointer> P keep(P p) {
        PointerScope scope = PointerScope.getInnerScope();
        if (scope != null && p != null) {
            // PointerScope.detach() releases the scope's reference: take ours first, or the
            // pointer is deallocated right there.
            p.retainReference();
            scope.detach(p);
        }
        return p;
    }

    static <P extends Pointer> List<P> keepAll(List<P> ps) {
        for (P p : ps) {
            keep(p);
        }
        return ps;
    }

    static List<PruneTarget> keepTargets(List<PruneTarget> ts) {
        for (PruneTarget t : ts) {
            keep(t.module());
            keep(t.weight());
        }
        return ts;
    }
}
