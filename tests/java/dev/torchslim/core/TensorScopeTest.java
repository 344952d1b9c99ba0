package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TensorScopeTest {
    @BeforeAll
    static void load() {
        NativeLibrary.ensureLoaded();
    }

    @Test
    void freesTemporariesAndKeepsWhatIsDetached() {
        Tensor temp;
        Tensor kept;
        try (TensorScope scope = new TensorScope()) {
            temp = torch.ones(3, 3);
            Tensor sum = temp.add(temp);
            kept = scope.detach(sum);
            assertFalse(temp.isNull());
        }
        assertTrue(temp.isNull(), "a temporary survived its scope");
        assertFalse(kept.isNull());
        assertEquals(18.0f, kept.sum().item_float());
        kept.close();
        assertTrue(kept.isNull());
    }

    @Test
    void nestedScopesFreeInnerFirst() {
        try (TensorScope outer = new TensorScope()) {
            Tensor a = torch.ones(2);
            Tensor b;
            try (TensorScope inner = new TensorScope()) {
                b = torch.zeros(2);
            }
            assertTrue(b.isNull());
            assertFalse(a.isNull());
        }
    }

    @Test
    void closesOnceAndRefusesUseAfterClose() {
        TensorScope scope = new TensorScope();
        scope.close();
        scope.close();
        assertThrows(IllegalStateException.class, () -> scope.detach(torch.ones(1)));
    }
}
