// Elementwise ops (arithmetic, unary math, comparisons, casts) and their gradient rules.
// Binary ops broadcast numpy-style; their rules sum gradients back over broadcast axes.

import { DType, GraphBuilder, Value } from "../builder";
import { attr, onnxElemType } from "../onnx";
import { OpType } from "../ops";
import {
    broadcast,
    checkSameDType,
    dtypeOf,
    GradRule,
    Operand,
    operand,
    unbroadcast,
} from "./common";

export function add(g: GraphBuilder, a: Operand, b: Operand): Value {
    return binary(g, OpType.Add, a, b);
}

export function sub(g: GraphBuilder, a: Operand, b: Operand): Value {
    return binary(g, OpType.Sub, a, b);
}

export function mul(g: GraphBuilder, a: Operand, b: Operand): Value {
    return binary(g, OpType.Mul, a, b);
}

export function div(g: GraphBuilder, a: Operand, b: Operand): Value {
    return binary(g, OpType.Div, a, b);
}

export function max(g: GraphBuilder, a: Operand, b: Operand): Value {
    return binary(g, OpType.Max, a, b);
}

export function min(g: GraphBuilder, a: Operand, b: Operand): Value {
    return binary(g, OpType.Min, a, b);
}

/** Elementwise equality; the result is bool. */
export function equal(g: GraphBuilder, a: Value, b: Value): Value {
    checkSameDType(OpType.Equal, a, b);
    const shape = broadcast(OpType.Equal, a.shape, b.shape);
    return g.emit(OpType.Equal, [a, b], [{ dtype: "bool", shape }])[0];
}

export function neg(g: GraphBuilder, x: Value): Value {
    return unary(g, OpType.Neg, x);
}

export function sqrt(g: GraphBuilder, x: Value): Value {
    return unary(g, OpType.Sqrt, x);
}

export function exp(g: GraphBuilder, x: Value): Value {
    return unary(g, OpType.Exp, x);
}

export function tanh(g: GraphBuilder, x: Value): Value {
    return unary(g, OpType.Tanh, x);
}

export function erf(g: GraphBuilder, x: Value): Value {
    return unary(g, OpType.Erf, x);
}

export function identity(g: GraphBuilder, x: Value): Value {
    return unary(g, OpType.Identity, x);
}

export function cast(g: GraphBuilder, x: Value, to: DType): Value {
    return g.emit(OpType.Cast, [x], [{ dtype: to, shape: x.shape }], {
        to: attr.int(onnxElemType(to)),
    })[0];
}

/** Elementwise `cond ? a : b` (broadcasting); not differentiable here. */
export function where(g: GraphBuilder, cond: Value, a: Operand, b: Operand): Value {
    const dtype = dtypeOf(a, b, g.float);
    const x = operand(g, a, dtype);
    const y = operand(g, b, dtype);
    if (cond.dtype !== "bool")
        throw new Error(`Where: condition ${cond.name} must be bool, found ${cond.dtype}`);
    const shape = broadcast(OpType.Where, broadcast(OpType.Where, cond.shape, x.shape), y.shape);
    return g.emit(OpType.Where, [cond, x, y], [{ dtype, shape }])[0];
}

/** Sum of any number of same-typed tensors (broadcasting). */
export function sum(g: GraphBuilder, xs: Value[]): Value {
    if (xs.length === 1) return xs[0];
    let shape = xs[0].shape as readonly (number | string)[];
    for (const x of xs.slice(1)) {
        checkSameDType(OpType.Sum, xs[0], x);
        shape = broadcast(OpType.Sum, shape, x.shape);
    }
    return g.emit(OpType.Sum, xs, [{ dtype: xs[0].dtype, shape }])[0];
}

export const elementwiseRules: Record<string, GradRule> = {
    [OpType.Add]: (g, node, [dy], needs) => {
        const [a, b] = node.inputs as Value[];
        return [
            needs[0] ? unbroadcast(g, dy!, a.shape) : undefined,
            needs[1] ? unbroadcast(g, dy!, b.shape) : undefined,
        ];
    },
    [OpType.Sub]: (g, node, [dy], needs) => {
        const [a, b] = node.inputs as Value[];
        return [
            needs[0] ? unbroadcast(g, dy!, a.shape) : undefined,
            needs[1] ? neg(g, unbroadcast(g, dy!, b.shape)) : undefined,
        ];
    },
    [OpType.Mul]: (g, node, [dy], needs) => {
        const [a, b] = node.inputs as Value[];
        return [
            needs[0] ? unbroadcast(g, mul(g, dy!, b), a.shape) : undefined,
            needs[1] ? unbroadcast(g, mul(g, dy!, a), b.shape) : undefined,
        ];
    },
    [OpType.Div]: (g, node, [dy], needs) => {
        // y = a / b: da = dy / b, db = -dy * y / b.
        const [a, b] = node.inputs as Value[];
        const y = node.outputs[0];
        return [
            needs[0] ? unbroadcast(g, div(g, dy!, b), a.shape) : undefined,
            needs[1] ? unbroadcast(g, neg(g, div(g, mul(g, dy!, y), b)), b.shape) : undefined,
        ];
    },
    [OpType.Neg]: (g, _node, [dy]) => [neg(g, dy!)],
    [OpType.Identity]: (_g, _node, [dy]) => [dy],
    // y = sqrt(x): dx = dy * 0.5 / y.
    [OpType.Sqrt]: (g, node, [dy]) => [div(g, mul(g, dy!, 0.5), node.outputs[0])],
    [OpType.Exp]: (g, node, [dy]) => [mul(g, dy!, node.outputs[0])],
    // y = tanh(x): dx = dy * (1 - y^2).
    [OpType.Tanh]: (g, node, [dy]) => {
        const y = node.outputs[0];
        return [mul(g, dy!, sub(g, 1, mul(g, y, y)))];
    },
    // y = erf(x): dx = dy * 2/sqrt(pi) * exp(-x^2).
    [OpType.Erf]: (g, node, [dy]) => {
        const x = node.inputs[0]!;
        const e = exp(g, mul(g, mul(g, x, x), -1));
        return [mul(g, dy!, mul(g, e, 2 / Math.sqrt(Math.PI)))];
    },
};

function binary(g: GraphBuilder, op: string, a: Operand, b: Operand): Value {
    const dtype = dtypeOf(a, b, g.float);
    const x = operand(g, a, dtype);
    const y = operand(g, b, dtype);
    checkSameDType(op, x, y);
    const shape = broadcast(op, x.shape, y.shape);
    return g.emit(op, [x, y], [{ dtype, shape }])[0];
}

function unary(g: GraphBuilder, op: string, x: Value): Value {
    return g.emit(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}
