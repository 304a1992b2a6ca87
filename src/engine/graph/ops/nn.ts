// Neural-network ops (reductions, Softmax, LogSoftmax, LayerNormalization, Gelu) and their
// gradient rules. Fused forward ops keep inference fast; their rules are built from primitives.

import { GraphBuilder, Value } from "../builder";
import { Attr, attr } from "../onnx";
import { OpType } from "../ops";
import { GradRule, normAxis, reduce, unbroadcast } from "./common";
import { add, div, erf, exp, mul, sqrt, sub, tanh } from "./elementwise";
import { expandLike, unsqueeze } from "./shape";

export function reduceSum(g: GraphBuilder, x: Value, axes: number[], keepdims = false): Value {
    return reduce(g, OpType.ReduceSum, x, axes, keepdims);
}

export function reduceMean(g: GraphBuilder, x: Value, axes: number[], keepdims = false): Value {
    return reduce(g, OpType.ReduceMean, x, axes, keepdims);
}

export function reduceSumSquare(
    g: GraphBuilder,
    x: Value,
    axes: number[],
    keepdims = false,
): Value {
    return reduce(g, OpType.ReduceSumSquare, x, axes, keepdims);
}

export function softmax(g: GraphBuilder, x: Value, axis = -1): Value {
    return normalizeAlong(g, OpType.Softmax, x, axis);
}

export function logSoftmax(g: GraphBuilder, x: Value, axis = -1): Value {
    return normalizeAlong(g, OpType.LogSoftmax, x, axis);
}

/** Softmax and LogSoftmax share their form: same shape out, one normalised `axis` attribute. */
function normalizeAlong(
    g: GraphBuilder,
    op: typeof OpType.Softmax | typeof OpType.LogSoftmax,
    x: Value,
    axis: number,
): Value {
    const ax = normAxis(op, axis, x.rank);
    const out = [{ dtype: x.dtype, shape: x.shape }];
    return g.emit(op, [x], out, { axis: attr.int(ax) }, { axis: ax })[0];
}

/** LayerNorm over the last axis (biased variance, eps inside the sqrt); `bias` may be absent. */
export function layerNorm(
    g: GraphBuilder,
    x: Value,
    scale: Value,
    bias: Value | undefined,
    eps: number,
): Value {
    const c = x.shape[x.rank - 1];
    for (const p of bias ? [scale, bias] : [scale]) {
        if (p.rank !== 1 || p.shape[0] !== c) {
            throw new Error(
                `LayerNormalization: ${p.name} is [${p.shape}], expected [${c}] for input [${x.shape}]`,
            );
        }
    }
    if (x.dtype === "float64") return layerNormPrimitive(g, x, scale, bias, eps);
    // Mean and InvStdDev are extra outputs (float32, stash_type 1) that the gradient rule reuses.
    const stats = { dtype: "float32" as const, shape: [...x.shape.slice(0, -1), 1] };
    const outs = g.emit(
        OpType.LayerNormalization,
        bias ? [x, scale, bias] : [x, scale],
        [{ dtype: x.dtype, shape: x.shape }, stats, stats],
        { axis: attr.int(-1), epsilon: attr.float(eps), stash_type: attr.int(1) },
    );
    return outs[0];
}

/** GELU: exact (erf) or the tanh approximation GPT-2 calls gelu_new. */
export function gelu(g: GraphBuilder, x: Value, approximate: "none" | "tanh"): Value {
    const attrs: Record<string, Attr> =
        approximate === "tanh" ? { approximate: attr.string("tanh") } : {};
    return g.emit(OpType.Gelu, [x], [{ dtype: x.dtype, shape: x.shape }], attrs, {
        approximate,
    })[0];
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

export const nnRules: Record<string, GradRule> = {
    [OpType.ReduceSum]: (g, node, [dy]) => [
        expandLike(g, keptDims(g, node, dy!), node.inputs[0]!),
        undefined,
    ],
    [OpType.ReduceMean]: (g, node, [dy]) => {
        const x = node.inputs[0]!;
        const axes = node.meta.axes as number[];
        const count = axes.reduce((p, a) => p * (x.shape[a] as number), 1);
        if (!Number.isFinite(count))
            throw new Error(`ReduceMean gradient at ${node.name} needs static reduced dims`);
        return [expandLike(g, mul(g, keptDims(g, node, dy!), 1 / count), x), undefined];
    },
    [OpType.ReduceSumSquare]: (g, node, [dy]) => {
        const x = node.inputs[0]!;
        return [mul(g, mul(g, x, 2), keptDims(g, node, dy!)), undefined];
    },
    // y = softmax(x): dx = y * (dy - sum(dy * y)).
    [OpType.Softmax]: (g, node, [dy]) => {
        const y = node.outputs[0];
        const axis = node.meta.axis as number;
        const dot = reduceSum(g, mul(g, dy!, y), [axis], true);
        return [mul(g, y, sub(g, dy!, dot))];
    },
    // y = logsoftmax(x): dx = dy - exp(y) * sum(dy).
    [OpType.LogSoftmax]: (g, node, [dy]) => {
        const y = node.outputs[0];
        const axis = node.meta.axis as number;
        const total = reduceSum(g, dy!, [axis], true);
        return [sub(g, dy!, mul(g, exp(g, y), total))];
    },
    [OpType.LayerNormalization]: (g, node, dys, needs) => {
        if (dys[1] || dys[2])
            throw new Error(
                `LayerNormalization gradient at ${node.name}: Mean/InvStdDev outputs are not differentiable`,
            );
        const dy = dys[0]!;
        const [x, scale, bias] = node.inputs as Value[];
        const [, mean, invStd] = node.outputs;
        // xhat = (x - mean) * invstd; dx = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
        const xhat = mul(g, sub(g, x, mean), invStd);
        let dx: Value | undefined;
        if (needs[0]) {
            const dxhat = mul(g, dy, scale);
            const m1 = reduceMean(g, dxhat, [-1], true);
            const m2 = reduceMean(g, mul(g, dxhat, xhat), [-1], true);
            dx = mul(g, sub(g, sub(g, dxhat, m1), mul(g, xhat, m2)), invStd);
        }
        const dscale = needs[1] ? unbroadcast(g, mul(g, dy, xhat), scale.shape) : undefined;
        const dbias = bias && needs[2] ? unbroadcast(g, dy, bias.shape) : undefined;
        return [dx, dscale, dbias];
    },
    [OpType.Gelu]: (g, node, dys) => {
        const dy = dys[0]!;
        const x = node.inputs[0]!;
        if (node.meta.approximate === "tanh") {
            // y = 0.5 x (1 + t), t = tanh(u), u = k (x + a x^3):
            // dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 a x^2).
            const x2 = mul(g, x, x);
            const u = mul(g, mul(g, x, add(g, mul(g, x2, GELU_CUBIC), 1)), SQRT_2_OVER_PI);
            const t = tanh(g, u);
            const du = mul(
                g,
                add(g, mul(g, x2, 3 * GELU_CUBIC * SQRT_2_OVER_PI), SQRT_2_OVER_PI),
                mul(g, x, 0.5),
            );
            const d = add(g, mul(g, add(g, t, 1), 0.5), mul(g, du, sub(g, 1, mul(g, t, t))));
            return [mul(g, dy, d)];
        }
        // y = x Phi(x): dy/dx = Phi(x) + x phi(x).
        const cdf = mul(g, add(g, erf(g, mul(g, x, Math.SQRT1_2)), 1), 0.5);
        const pdf = mul(g, exp(g, mul(g, mul(g, x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return [mul(g, dy, add(g, cdf, mul(g, x, pdf)))];
    },
};

/**
 * LayerNorm from primitives, for float64 graphs: ORT's CPU LayerNormalization has no double
 * kernel. Gradient checks of the fused rule compare against this path.
 */
function layerNormPrimitive(
    g: GraphBuilder,
    x: Value,
    scale: Value,
    bias: Value | undefined,
    eps: number,
): Value {
    const centred = sub(g, x, reduceMean(g, x, [-1], true));
    const variance = reduceMean(g, mul(g, centred, centred), [-1], true);
    const y = mul(g, div(g, centred, sqrt(g, add(g, variance, eps))), scale);
    return bias ? add(g, y, bias) : y;
}

/** The output gradient of a reduction, with reduced axes restored as size 1. */
function keptDims(g: GraphBuilder, node: { meta: Record<string, unknown> }, dy: Value): Value {
    return node.meta.keepdims ? dy : unsqueeze(g, dy, node.meta.axes as number[]);
}
