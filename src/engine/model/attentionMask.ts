// Attention masks as a parameter of the attention module. A mask turns (query, key) positions
// into an additive bias of 0 (visible) or -Infinity (hidden); adding a pattern means adding a
// case here and nothing else.

import { Dim, GraphBuilder, Value, op } from "../graph";
import { UserError } from "../types";

/** Where the current queries sit: positions [start, end) among keys [0, end). */
export interface MaskContext {
    blockSize: number;
    /** Query count and key count. */
    queries: Dim;
    keys: Dim;
    /** int64 [1] tensors for dynamic positions (inference with a cache); absent for static shapes. */
    start?: Value;
    end?: Value;
}

export interface AttentionMask {
    readonly kind: string;
    /** An additive [queries, keys] bias, or undefined when every key is visible. */
    bias(g: GraphBuilder, ctx: MaskContext): Value | undefined;
}

export function attentionMask(kind: string): AttentionMask {
    switch (kind) {
        case "causal":
            return causal;
        case "bidirectional":
            return { kind, bias: () => undefined };
        default:
            throw new UserError(
                `attention pattern "${kind}" is not supported (expected causal or bidirectional)`,
            );
    }
}

const causal: AttentionMask = {
    kind: "causal",
    bias(g, ctx) {
        if (!ctx.start || !ctx.end) {
            if (typeof ctx.queries !== "number" || ctx.queries !== ctx.keys) {
                throw new Error(
                    `causal mask: static shapes need equal query and key counts, found ${ctx.queries}, ${ctx.keys}`,
                );
            }
            return g.constant(causalBias(ctx.queries), [ctx.queries, ctx.queries]);
        }
        // Rows [start, end) and columns [0, end) of the full block's mask.
        const full = g.constant(causalBias(ctx.blockSize), [ctx.blockSize, ctx.blockSize]);
        const starts = op.concat(g, [ctx.start, g.ints([0])], 0);
        const ends = op.concat(g, [ctx.end, ctx.end], 0);
        return op.slice(g, full, starts, ends, [0, 1], [ctx.queries, ctx.keys]);
    },
};

/** n x n row-major: 0 where key <= query, -Infinity above the diagonal. */
function causalBias(n: number): Float32Array {
    const m = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = -Infinity;
    return m;
}
