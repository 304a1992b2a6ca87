// Matrix products (MatMul, Gemm) and their gradient rules. Weight gradients of a batched input
// times a 2-D weight use Gemm with transA, so no activation transpose is materialised.

import { Dim, fmtShape, GraphBuilder, Value } from "../builder";
import { attr } from "../onnx";
import { OpType } from "../ops";
import { checkSameDType, GradRule, unbroadcast } from "./common";
import { reshape, reshapeLike, transposeLast } from "./shape";

/** Numpy matmul for rank >= 2: [..., M, K] x [..., K, N] (batch dims broadcast). */
export function matmul(g: GraphBuilder, a: Value, b: Value): Value {
    checkSameDType(OpType.MatMul, a, b);
    if (a.rank < 2 || b.rank < 2) {
        throw new Error(
            `MatMul: operands must be at least 2-D, found ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`,
        );
    }
    const k1 = a.shape[a.rank - 1];
    const k2 = b.shape[b.rank - 2];
    if (k1 !== k2)
        throw new Error(`MatMul: inner dims differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    let batch: Dim[];
    if (batchB.length === 0) batch = [...batchA];
    else if (batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]))
        batch = [...batchA];
    else
        throw new Error(
            `MatMul: batch dims of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} must match`,
        );
    const shape = [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]];
    return g.emit(OpType.MatMul, [a, b], [{ dtype: a.dtype, shape }])[0];
}

/** 2-D Gemm: op(a) @ op(b) (+ c), where op transposes when the flag is set. */
export function gemm(
    g: GraphBuilder,
    a: Value,
    b: Value,
    opts: { transA?: boolean; transB?: boolean; c?: Value } = {},
): Value {
    checkSameDType(OpType.Gemm, a, b);
    if (a.rank !== 2 || b.rank !== 2) {
        throw new Error(
            `Gemm: operands must be 2-D, found ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`,
        );
    }
    const [m, k1] = opts.transA ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, n] = opts.transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (k1 !== k2) {
        throw new Error(
            `Gemm: inner dims differ: ${fmtShape(a.shape)}${opts.transA ? "^T" : ""} x ${fmtShape(b.shape)}${opts.transB ? "^T" : ""}`,
        );
    }
    const attrs: Record<string, ReturnType<typeof attr.int>> = {};
    if (opts.transA) attrs.transA = attr.int(1);
    if (opts.transB) attrs.transB = attr.int(1);
    const inputs = opts.c ? [a, b, opts.c] : [a, b];
    const meta = { transA: !!opts.transA, transB: !!opts.transB };
    return g.emit(OpType.Gemm, inputs, [{ dtype: a.dtype, shape: [m, n] }], attrs, meta)[0];
}

export const linalgRules: Record<string, GradRule> = {
    [OpType.MatMul]: (g, node, [dy], needs) => {
        const [a, b] = node.inputs as Value[];
        if (b.rank === 2) {
            // Flatten the batch: dA = dY @ B^T and dB = A^T @ dY, both as Gemm.
            const k = a.shape[a.rank - 1];
            const n = b.shape[1];
            const dy2 = reshape(g, dy!, [flatDim(dy!.shape), n]);
            const a2 = reshape(g, a, [flatDim(a.shape), k]);
            const da = needs[0] ? reshapeLike(g, gemm(g, dy2, b, { transB: true }), a) : undefined;
            const db = needs[1] ? gemm(g, a2, dy2, { transA: true }) : undefined;
            return [da, db];
        }
        const da = needs[0] ? matmul(g, dy!, transposeLast(g, b)) : undefined;
        const db = needs[1]
            ? unbroadcast(g, matmul(g, transposeLast(g, a), dy!), b.shape)
            : undefined;
        return [da, db];
    },
    [OpType.Gemm]: (g, node, [dy], needs) => {
        const [a, b, c] = node.inputs as Value[];
        const { transA, transB } = node.meta as { transA: boolean; transB: boolean };
        if (transA) throw new Error(`Gemm gradient at ${node.name}: transA is not supported`);
        // Y = A op(B) + C.
        const da = needs[0] ? gemm(g, dy!, b, { transB: !transB }) : undefined;
        const db = needs[1]
            ? transB
                ? gemm(g, dy!, a, { transA: true })
                : gemm(g, a, dy!, { transA: true })
            : undefined;
        const dc = c && needs[2] ? unbroadcast(g, dy!, c.shape) : undefined;
        return c ? [da, db, dc] : [da, db];
    },
};

function flatDim(shape: readonly Dim[]): Dim {
    const lead = shape.slice(0, -1);
    if (lead.every((d) => typeof d === "number"))
        return (lead as number[]).reduce((a, b) => a * b, 1);
    const sym = lead.filter((d) => d !== 1);
    return sym.length === 1 ? sym[0] : sym.join("*");
}
