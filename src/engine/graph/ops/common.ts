// Pieces every op module shares: the gradient-rule signature, operand coercion, broadcasting
// with build-time shape checks, and the reduction that sums a broadcast gradient back to the
// shape of the operand it came from.

import { Dim, DType, fmtShape, GraphBuilder, isStatic, Node, Value } from "../builder";
import { OpType } from "../ops";

/**
 * A gradient rule: given the node and the gradients of its outputs (undefined where none flows),
 * returns one gradient per input, shaped like that input, or undefined where the input is not
 * differentiable or `needs[i]` is false.
 */
export type GradRule = (
    g: GraphBuilder,
    node: Node,
    dys: (Value | undefined)[],
    needs: boolean[],
) => (Value | undefined)[];

export type Operand = Value | number;

/** Turns a number into a scalar constant of `like`'s dtype. */
export function operand(g: GraphBuilder, x: Operand, like: DType): Value {
    return typeof x === "number" ? g.scalar(x, like) : x;
}

export function dtypeOf(a: Operand, b: Operand, fallback: DType): DType {
    if (typeof a !== "number") return a.dtype;
    if (typeof b !== "number") return b.dtype;
    return fallback;
}

/** Numpy-style broadcast of two shapes; throws naming the op on a mismatch. */
export function broadcast(op: string, a: readonly Dim[], b: readonly Dim[]): Dim[] {
    const rank = Math.max(a.length, b.length);
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
        const x = a[a.length - rank + i] ?? 1;
        const y = b[b.length - rank + i] ?? 1;
        if (x === y || y === 1) out.push(x);
        else if (x === 1) out.push(y);
        else throw new Error(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast`);
    }
    return out;
}

export function checkSameDType(op: string, a: Value, b: Value): void {
    if (a.dtype !== b.dtype) {
        throw new Error(`${op}: dtypes ${a.dtype} (${a.name}) and ${b.dtype} (${b.name}) differ`);
    }
}

/** Normalises a possibly negative axis against a rank, throwing naming the op when out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} out of range for rank ${rank}`);
    return a;
}

/**
 * Sums `grad` (shaped like a broadcast result) down to `target` shape: leading extra axes are
 * reduced away, axes where the target has 1 are reduced with keepdims. No node when shapes match.
 */
export function unbroadcast(g: GraphBuilder, grad: Value, target: readonly Dim[]): Value {
    const lead = grad.rank - target.length;
    let out = grad;
    if (lead > 0) {
        const axes = Array.from({ length: lead }, (_, i) => i);
        out = reduce(g, OpType.ReduceSum, out, axes, false);
    }
    const axes = target.flatMap((d, i) => (d === 1 && out.shape[i] !== 1 ? [i] : []));
    if (axes.length > 0) out = reduce(g, OpType.ReduceSum, out, axes, true);
    return out;
}

/** Emits a Reduce* op (opset 18+: axes as an input) and records axes for its gradient rule. */
export function reduce(
    g: GraphBuilder,
    op: string,
    x: Value,
    axes: number[],
    keepdims: boolean,
): Value {
    const norm = axes.map((a) => normAxis(op, a, x.rank)).sort((a, b) => a - b);
    const shape = x.shape.flatMap((d, i) => (norm.includes(i) ? (keepdims ? [1] : []) : [d]));
    const [y] = g.emit(
        op,
        [x, g.ints(norm)],
        [{ dtype: x.dtype, shape }],
        { keepdims: { type: "int", value: keepdims ? 1 : 0 } },
        { axes: norm, keepdims },
    );
    return y;
}

/** A constant or runtime shape tensor for reshaping something to `like`'s shape. */
export function shapeOf(g: GraphBuilder, like: Value | readonly Dim[]): Value {
    const shape = like instanceof Value ? like.shape : like;
    if (isStatic(shape)) return g.ints(shape);
    if (!(like instanceof Value))
        throw new Error(`shapeOf: symbolic shape ${fmtShape(shape)} needs a value`);
    return g.emit(OpType.Shape, [like], [{ dtype: "int64", shape: [shape.length] }])[0];
}
