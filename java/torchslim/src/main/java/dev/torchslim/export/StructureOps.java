package dev.torchslim.export;

import dev.torchslim.export.Lowering.ListVal;
import dev.torchslim.export.Lowering.Val;
import java.util.ArrayList;
import java.util.List;

/** Lists, tuples and ops that leave the data as it is (dropout in eval, contiguous, same-dtype casts). */
final class StructureOps {
    private StructureOps() {}

    static void register() {
        OnnxOps.register(c -> {
            List<Val> items = new ArrayList<>();
            for (int i = 0; i < c.inputCount(); i++) {
                items.add(c.in(i));
            }
            c.out(0, new ListVal(items));
        }, "prim::ListConstruct", "prim::TupleConstruct");
        OnnxOps.register(c -> {
            List<Val> items = c.list(0);
            if (items.size() != c.outputCount()) {
                throw c.fail("unpacks " + c.outputCount() + " values from a list of " + items.size());
            }
            for (int i = 0; i < items.size(); i++) {
                c.out(i, items.get(i));
            }
        }, "prim::ListUnpack", "prim::TupleUnpack");
        OnnxOps.register(c -> {
            List<Val> items = c.list(0);
            long i = c.integer(1);
            c.out(0, items.get((int) (i < 0 ? i + items.size() : i)));
        }, "prim::TupleIndex", "aten::__getitem__");
        OnnxOps.register(c -> c.out(0, c.in(0)),
                "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout", "aten::contiguous",
                "aten::detach", "aten::clone", "aten::alias", "prim::data");
        OnnxOps.register(StructureOps::cast, "aten::to", "aten::type_as", "aten::float", "aten::long", "aten::int");
    }

    // torch's .to(dtype), .to(device), .to(other), .float(), ...: a Cast when the dtype changes
    private static void cast(NodeContext c) {
        Lowering.TensorVal x = c.tensorVal(0);
        if (x.q() != null || x.dtype() == c.outMeta(0).dtype()) {
            c.out(0, x);
            return;
        }
        c.out(0, c.op("Cast", List.of(x.name()), NodeContext.attr("to", (long) c.outType(0))));
    }
}
