// Ops that move data without arithmetic (reshape, transpose, split, concat, gather, slice,
// unsqueeze, expand) and their gradient rules. Transposes cancel at build time when one undoes
// another, so gradient graphs carry no transpose pairs.

import { Dim, fmtShape, GraphBuilder, isStatic, shapeEq, Value } from "../builder";
import { attr } from "../onnx";
import { OpType } from "../ops";
import { cast, equal } from "./elementwise";
import { GradRule, normAxis, shapeOf } from "./common";

/**
 * Reshape to `shape`. Symbolic dims equal to the input's dim at the same index become 0 (copy);
 * one other symbolic dim becomes -1 (inferred).
 */
export function reshape(g: GraphBuilder, x: Value, shape: readonly Dim[]): Value {
    if (shapeEq(x.shape, shape)) return x;
    if (isStatic(x.shape) && isStatic(shape)) {
        const a = x.shape.reduce((p, d) => p * d, 1);
        const b = shape.reduce((p, d) => p * d, 1);
        if (a !== b)
            throw new Error(`Reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    }
    let inferred = 0;
    const spec = shape.map((d, i) => {
        if (typeof d === "number") return d;
        if (x.shape[i] === d) return 0;
        inferred++;
        return -1;
    });
    const target = inferred <= 1 ? g.ints(spec) : undefined;
    if (!target)
        throw new Error(
            `Reshape: ${fmtShape(x.shape)} to ${fmtShape(shape)} has several unknown dims`,
        );
    return g.emit(OpType.Reshape, [x, target], [{ dtype: x.dtype, shape: [...shape] }])[0];
}

/** Reshape to the runtime shape of `like` (works whatever its symbolic dims). */
export function reshapeLike(g: GraphBuilder, x: Value, like: Value): Value {
    if (shapeEq(x.shape, like.shape)) return x;
    const symbolic = like.shape.filter((d) => typeof d !== "number").length;
    if (symbolic <= 1) return reshape(g, x, like.shape);
    return g.emit(
        OpType.Reshape,
        [x, shapeOf(g, like)],
        [{ dtype: x.dtype, shape: like.shape }],
    )[0];
}

export function transpose(g: GraphBuilder, x: Value, perm: number[]): Value {
    if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
        throw new Error(`Transpose: perm [${perm}] does not fit ${fmtShape(x.shape)}`);
    }
    if (perm.every((p, i) => p === i)) return x;
    const src = x.producer;
    if (src?.opType === OpType.Transpose) {
        // Compose with the producing transpose; the pair cancels when the result is the identity.
        const inner = src.meta.perm as number[];
        const composed = perm.map((p) => inner[p]);
        return transpose(g, src.inputs[0]!, composed);
    }
    const shape = perm.map((p) => x.shape[p]);
    return g.emit(
        OpType.Transpose,
        [x],
        [{ dtype: x.dtype, shape }],
        { perm: attr.ints(perm) },
        { perm },
    )[0];
}

/** Swaps the last two axes. */
export function transposeLast(g: GraphBuilder, x: Value): Value {
    const perm = Array.from({ length: x.rank }, (_, i) => i);
    [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
    return transpose(g, x, perm);
}

/** Splits along `axis` into pieces of the given (static) sizes. */
export function split(g: GraphBuilder, x: Value, axis: number, sizes: number[]): Value[] {
    const ax = normAxis(OpType.Split, axis, x.rank);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (x.shape[ax] !== total) {
        throw new Error(
            `Split: sizes [${sizes}] do not add up to dim ${ax} of ${fmtShape(x.shape)}`,
        );
    }
    const outs = sizes.map((s) => ({
        dtype: x.dtype,
        shape: x.shape.map((d, i) => (i === ax ? s : d)),
    }));
    return g.emit(
        OpType.Split,
        [x, g.ints(sizes)],
        outs,
        { axis: attr.int(ax) },
        { axis: ax, sizes },
    );
}

export function concat(g: GraphBuilder, xs: Value[], axis: number): Value {
    const ax = normAxis(OpType.Concat, axis, xs[0].rank);
    const parts = xs.map((x) => x.shape[ax]);
    for (const x of xs) {
        const ok =
            x.rank === xs[0].rank && x.shape.every((d, i) => i === ax || d === xs[0].shape[i]);
        if (!ok)
            throw new Error(
                `Concat: ${xs.map((v) => fmtShape(v.shape)).join(" ")} differ off axis ${ax}`,
            );
    }
    const size = parts.every((p) => typeof p === "number")
        ? (parts as number[]).reduce((a, b) => a + b, 0)
        : parts.join("+");
    const shape = xs[0].shape.map((d, i) => (i === ax ? size : d));
    return g.emit(
        OpType.Concat,
        xs,
        [{ dtype: xs[0].dtype, shape }],
        { axis: attr.int(ax) },
        { axis: ax },
    )[0];
}

/** Row lookup: data [N, C] indexed by integer `indices` of any shape gives [...indices, C]. */
export function gather(g: GraphBuilder, data: Value, indices: Value): Value {
    if (data.rank !== 2)
        throw new Error(`Gather: data ${data.name} must be 2-D, found ${fmtShape(data.shape)}`);
    if (indices.dtype !== "int64" && indices.dtype !== "int32") {
        throw new Error(
            `Gather: indices ${indices.name} must be int32/int64, found ${indices.dtype}`,
        );
    }
    const shape = [...indices.shape, data.shape[1]];
    return g.emit(OpType.Gather, [data, indices], [{ dtype: data.dtype, shape }], {
        axis: attr.int(0),
    })[0];
}

/** Slice along `axes` with int64 tensors `starts`/`ends`; `shape` is the result shape. */
export function slice(
    g: GraphBuilder,
    x: Value,
    starts: Value,
    ends: Value,
    axes: number[],
    shape: Dim[],
): Value {
    if (shape.length !== x.rank)
        throw new Error(
            `Slice: result ${fmtShape(shape)} has the wrong rank for ${fmtShape(x.shape)}`,
        );
    return g.emit(OpType.Slice, [x, starts, ends, g.ints(axes)], [{ dtype: x.dtype, shape }])[0];
}

export function unsqueeze(g: GraphBuilder, x: Value, axes: number[]): Value {
    const rank = x.rank + axes.length;
    const norm = axes.map((a) => normAxis(OpType.Unsqueeze, a, rank));
    const shape: Dim[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[k++]);
    return g.emit(OpType.Unsqueeze, [x, g.ints(norm)], [{ dtype: x.dtype, shape }])[0];
}

/** Broadcasts `x` to `like`'s shape. */
export function expandLike(g: GraphBuilder, x: Value, like: Value): Value {
    if (shapeEq(x.shape, like.shape)) return x;
    return g.emit(OpType.Expand, [x, shapeOf(g, like)], [{ dtype: x.dtype, shape: like.shape }])[0];
}

/** The runtime shape of `x` as int64 [rank]. */
export function shape(g: GraphBuilder, x: Value): Value {
    return g.emit(OpType.Shape, [x], [{ dtype: "int64", shape: [x.rank] }])[0];
}

/** int64 [start, limit) with step 1; `len` is the symbolic or static length. */
export function range(g: GraphBuilder, start: Value, limit: Value, len: Dim): Value {
    return g.emit(
        OpType.Range,
        [start, limit, g.scalar(1, "int64")],
        [{ dtype: "int64", shape: [len] }],
    )[0];
}

/**
 * One-hot transposed: [N, count] of 0/1 in `g.float` where entry (j, i) is 1 when indices[i] = j.
 * Indices outside [0, N) give all-zero columns. Used for embedding and cross-entropy gradients.
 */
export function oneHotT(g: GraphBuilder, indices: Value, n: number): Value {
    const flat = reshape(g, indices, [
        indices.shape.length === 1 ? indices.shape[0] : numelDim(indices.shape),
    ]);
    const rows = g.constant(
        Array.from({ length: n }, (_, i) => i),
        [n, 1],
        indices.dtype,
    );
    const hit = equal(g, rows, unsqueeze(g, flat, [0]));
    return cast(g, hit, g.float);
}

export const shapeRules: Record<string, GradRule> = {
    [OpType.Reshape]: (g, node, [dy]) => [reshapeLike(g, dy!, node.inputs[0]!), undefined],
    [OpType.Unsqueeze]: (g, node, [dy]) => [reshapeLike(g, dy!, node.inputs[0]!), undefined],
    [OpType.Transpose]: (g, node, [dy]) => {
        const perm = node.meta.perm as number[];
        const inverse = perm.map((_, i) => perm.indexOf(i));
        return [transpose(g, dy!, inverse)];
    },
    [OpType.Split]: (g, node, dys) => {
        const axis = node.meta.axis as number;
        const parts = dys.map((dy, i) => dy ?? zerosLike(g, node.outputs[i]));
        return [concat(g, parts, axis), undefined];
    },
    [OpType.Concat]: (g, node, [dy], needs) => {
        const axis = node.meta.axis as number;
        const sizes = node.inputs.map((x) => x!.shape[axis]);
        if (!sizes.every((s) => typeof s === "number")) {
            throw new Error(`Concat gradient at ${node.name} needs static sizes on axis ${axis}`);
        }
        const parts = split(g, dy!, axis, sizes as number[]);
        return parts.map((p, i) => (needs[i] ? p : undefined));
    },
    [OpType.Gather]: (g, node, [dy]) => {
        // d data = onehot(indices)^T @ dy, as one MatMul: [N, count] x [count, C].
        const [data, indices] = node.inputs as Value[];
        const n = data.shape[0] as number;
        const c = data.shape[1];
        const rows = reshape(g, dy!, [numelDim(indices.shape), c]);
        const hot = oneHotT(g, indices, n);
        const grad = g.emit(
            OpType.MatMul,
            [hot, rows],
            [{ dtype: data.dtype, shape: data.shape }],
        )[0];
        return [grad, undefined];
    },
};

function zerosLike(g: GraphBuilder, v: Value): Value {
    if (!isStatic(v.shape))
        throw new Error(`zeros for ${v.name} need a static shape, found ${fmtShape(v.shape)}`);
    const n = v.shape.reduce((a, b) => a * b, 1);
    return g.constant(new Array<number>(n).fill(0), v.shape, v.dtype);
}

function numelDim(shape: readonly Dim[]): Dim {
    if (isStatic(shape)) return shape.reduce((a, b) => a * b, 1);
    const sym = shape.filter((d) => d !== 1);
    return sym.length === 1 ? sym[0] : sym.join("*");
}
