// The training step as one ONNX graph: forward with dropout, mean cross-entropy, backward by
// autodiff, global-norm clipping and AdamW; plus the forward-only loss graph for evaluation.
// Parameters and moments go in and their updated values come out, so one reused session runs
// every step.

import { GraphBuilder, Value, gradients, op } from "../graph";
import { OpType } from "../graph/ops";
import { gptForward, isDecayed, paramShapes, tiedLogits } from "../model/gpt";
import type { GptConfig } from "../types";

export interface OptimConfig {
    beta1: number;
    beta2: number;
    eps: number;
    /** Decoupled weight decay, applied to parameters with dim >= 2 only. */
    weightDecay: number;
    /** Global gradient-norm limit; 0 or less disables clipping. */
    gradClip: number;
}

/** Graph input and output names (parameters keep their Hugging Face names). */
export const names = {
    ids: "input_ids",
    targets: "targets",
    lr: "lr",
    step: "step",
    loss: "loss",
    gradNorm: "grad_norm",
    m: (p: string) => `m.${p}`,
    v: (p: string) => `v.${p}`,
    next: (p: string) => `next.${p}`,
    grad: (p: string) => `${p}.grad`,
    dropout: (site: string) => `dropout.${site}`,
};

export interface StepGraph {
    bytes: Uint8Array;
    /** Dropout inputs in graph order, with their shapes. */
    dropoutSites: { name: string; shape: number[] }[];
}

export interface StepGraphOptions {
    float?: "float32" | "float64";
    /** Also output each parameter's gradient (before clipping) as `<name>.grad`. */
    grads?: boolean;
}

/**
 * The whole training step. Inputs: `input_ids` int32 [B, T], `targets` int32 [B*T] (negative =
 * ignored), `lr` and `step` (1-based AdamW step) float scalars, every parameter, `m.*`, `v.*`,
 * and `dropout.*` masks when config.dropout > 0. Outputs: `loss`, `grad_norm` (before clipping),
 * `next.<param>`, `next.m.<param>`, `next.v.<param>`.
 */
export function buildTrainGraph(config: GptConfig, optim: OptimConfig, batch: number, options: StepGraphOptions = {}): StepGraph {
    const g = new GraphBuilder({ float: options.float });
    const T = config.block_size;
    const ids = g.input(names.ids, "int32", [batch, T]);
    const targets = g.input(names.targets, "int32", [batch * T]);
    const lr = g.input(names.lr, g.float, []);
    const step = g.input(names.step, g.float, []);

    // 1. Forward with dropout masks fed as inputs (pre-scaled by 1 / (1 - p)).
    const dropoutSites: StepGraph["dropoutSites"] = [];
    const dropout =
        config.dropout > 0
            ? (x: Value, site: string) => {
                  const mask = g.input(names.dropout(site), g.float, [...x.shape]);
                  dropoutSites.push({ name: mask.name, shape: x.shape as number[] });
                  return op.mul(g, x, mask);
              }
            : undefined;
    const loss = forwardLoss(g, config, ids, targets, batch, dropout);
    const params = [...g.params.values()];

    // 2. Backward.
    const grads = g.scope("", () => gradients(g, loss, params), "grad");
    if (options.grads) grads.forEach((d, i) => g.output(d, names.grad(params[i].name)));

    // 3. Global-norm clipping: coef = min(1, clip / (norm + 1e-6)), as torch's clip_grad_norm_.
    const optimNodes = () => {
        const squares = grads.map((d) => op.reduceSumSquare(g, d, d.shape.map((_, i) => i)));
        const norm = op.sqrt(g, op.sum(g, squares));
        const coef = optim.gradClip > 0 ? op.min(g, op.div(g, optim.gradClip, op.add(g, norm, 1e-6)), 1) : undefined;

        // 4. AdamW with bias correction from `step`; decay is decoupled and skips vectors.
        const bc1 = op.sub(g, 1, pow(g, g.scalar(optim.beta1), step));
        const bc2 = op.sub(g, 1, pow(g, g.scalar(optim.beta2), step));
        const stepSize = op.div(g, lr, bc1);
        const invSqrtBc2 = op.div(g, 1, op.sqrt(g, bc2));
        const a1 = coef ? op.mul(g, coef, 1 - optim.beta1) : g.scalar(1 - optim.beta1);
        const a2 = coef ? op.mul(g, op.mul(g, coef, coef), 1 - optim.beta2) : g.scalar(1 - optim.beta2);
        const decay = op.sub(g, 1, op.mul(g, lr, optim.weightDecay));
        params.forEach((p, i) => {
            const d = grads[i];
            const m = g.input(names.m(p.name), g.float, [...p.shape]);
            const v = g.input(names.v(p.name), g.float, [...p.shape]);
            const m2 = op.add(g, op.mul(g, m, optim.beta1), op.mul(g, d, a1));
            const v2 = op.add(g, op.mul(g, v, optim.beta2), op.mul(g, op.mul(g, d, d), a2));
            const denom = op.add(g, op.mul(g, op.sqrt(g, v2), invSqrtBc2), optim.eps);
            const update = op.mul(g, op.div(g, m2, denom), stepSize);
            const kept = isDecayed(p.shape as number[]) && optim.weightDecay !== 0 ? op.mul(g, p, decay) : p;
            g.output(op.sub(g, kept, update), names.next(p.name));
            g.output(m2, names.next(names.m(p.name)));
            g.output(v2, names.next(names.v(p.name)));
        });
        return norm;
    };
    const norm = g.scope("", optimNodes, "adamw");
    g.output(loss, names.loss);
    g.output(norm, names.gradNorm);
    return { bytes: g.toBytes("train-step"), dropoutSites };
}

/** Forward and mean cross-entropy only (no dropout): inputs ids, targets and parameters; output `loss`. */
export function buildEvalGraph(config: GptConfig, batch: number, options: StepGraphOptions = {}): Uint8Array {
    const g = new GraphBuilder({ float: options.float });
    const T = config.block_size;
    const ids = g.input(names.ids, "int32", [batch, T]);
    const targets = g.input(names.targets, "int32", [batch * T]);
    const loss = forwardLoss(g, config, ids, targets, batch, undefined);
    if (options.grads) {
        const params = [...g.params.values()];
        const grads = g.scope("", () => gradients(g, loss, params), "grad");
        grads.forEach((d, i) => g.output(d, names.grad(params[i].name)));
    }
    g.output(loss, names.loss);
    return g.toBytes("eval-loss");
}

/** Parameter names and shapes in graph-input order. */
export function stepParamShapes(config: GptConfig): [string, number[]][] {
    return paramShapes(config);
}

/**
 * Mean cross-entropy over targets >= 0: -sum(onehot * logsoftmax(logits)) / max(count, 1).
 * The one-hot row of an ignored target is all zeros, so the same sum counts valid targets.
 */
function forwardLoss(
    g: GraphBuilder,
    config: GptConfig,
    ids: Value,
    targets: Value,
    batch: number,
    dropout: ((x: Value, site: string) => Value) | undefined,
): Value {
    const N = batch * config.block_size;
    const V = config.vocab_size;
    const res = gptForward(g, config, ids, { batch, seq: config.block_size, dropout });
    return g.scope("", () => {
        const logp = op.logSoftmax(g, tiedLogits(g, res.final, N), -1); // [N, V]
        const classes = g.constant(Array.from({ length: V }, (_, i) => i), [1, V], "int32");
        const hot = op.cast(g, op.equal(g, op.unsqueeze(g, targets, [1]), classes), g.float); // [N, V]
        const count = op.max(g, op.reduceSum(g, hot, [0, 1]), 1);
        return op.neg(g, op.div(g, op.reduceSum(g, op.mul(g, hot, logp), [0, 1]), count));
    }, "loss");
}

function pow(g: GraphBuilder, base: Value, exponent: Value): Value {
    return g.emit(OpType.Pow, [base, exponent], [{ dtype: base.dtype, shape: [] }])[0];
}
