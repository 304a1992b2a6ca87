// The training step as one ONNX graph: forward with dropout, mean cross-entropy, backward by
// autodiff, global-norm clipping and AdamW; plus the forward-only loss graph for evaluation.
// Parameters and both Adam moments each travel as ONE flat vector (parameters laid out in
// `paramLayout` order), so the optimizer is a handful of large elementwise ops rather than a
// dozen small ones per tensor, and the caller's buffers are fed and refilled without copies.

import { GraphBuilder, Value, gradients, op } from "../graph";
import { OpType } from "../graph/ops";
import { gptForward, isDecayed, paramShapes, tiedLogits } from "../model/gpt";
import { xoshiro128 } from "../model/init";
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

/** Graph input and output names. */
export const names = {
    ids: "input_ids",
    targets: "targets",
    lr: "lr",
    step: "step",
    params: "params",
    m: "m",
    v: "v",
    loss: "loss",
    gradNorm: "grad_norm",
    next: (x: string) => `next.${x}`,
    grad: (p: string) => `${p}.grad`,
    dropout: (site: string) => `dropout.${site}`,
};

/** Where each parameter sits in the flat vectors. */
export interface ParamSlot {
    name: string;
    shape: number[];
    offset: number;
    size: number;
}

export function paramLayout(config: GptConfig): { slots: ParamSlot[]; total: number } {
    let offset = 0;
    const slots = paramShapes(config).map(([name, shape]) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const slot = { name, shape, offset, size };
        offset += size;
        return slot;
    });
    return { slots, total: offset };
}

export interface StepGraph {
    bytes: Uint8Array;
    /** Dropout offset inputs (int64 [1]) in graph order; offsets range over [0, poolSize - size]. */
    dropoutSites: { name: string; size: number; poolSize: number }[];
}

export interface StepGraphOptions {
    float?: "float32" | "float64";
    /** Also output each parameter's gradient (before clipping) as `<name>.grad`. */
    grads?: boolean;
    /** Seeds the dropout pool. */
    seed?: number;
}

/**
 * The whole training step. Inputs: `input_ids` int32 [B, T], `targets` int32 [B*T] (negative =
 * ignored), `lr` and `step` (1-based AdamW step) scalars, flat `params`, `m`, `v` [N], and
 * `dropout.*` pool offsets when config.dropout > 0. Outputs: `loss`, `grad_norm` (before clipping),
 * `next.params`, `next.m`, `next.v`.
 */
export function buildTrainGraph(
    config: GptConfig,
    optim: OptimConfig,
    batch: number,
    options: StepGraphOptions = {},
): StepGraph {
    const layout = paramLayout(config);
    const N = layout.total;
    const [g, flat] = flatParamBuilder(layout, options.float);
    const T = config.block_size;
    const ids = g.input(names.ids, "int32", [batch, T]);
    const targets = g.input(names.targets, "int32", [batch * T]);
    const lr = g.input(names.lr, g.float, []);
    const step = g.input(names.step, g.float, []);
    const m = g.input(names.m, g.float, [N]);
    const v = g.input(names.v, g.float, [N]);

    // 1. Forward with dropout. Each site's mask is a window of one fixed random pool (values 0
    // or 1 / (1 - p)) at an offset fed per step, so masks are cheap, vary from step to step and
    // depend only on (seed, step): resuming replays them exactly.
    // Limitation: masks of one step are windows of the same pool, not independent draws.
    const dropoutSites: StepGraph["dropoutSites"] = [];
    let pool: Value | undefined;
    const dropout =
        config.dropout > 0
            ? (x: Value, site: string) => {
                  pool ??= dropoutPool(g, config, batch, options.seed ?? 0);
                  const size = (x.shape as number[]).reduce((a, b) => a * b, 1);
                  const offset = g.input(names.dropout(site), "int64", [1]);
                  dropoutSites.push({ name: offset.name, size, poolSize: pool.shape[0] as number });
                  const end = op.add(g, offset, g.ints([size]));
                  const window = op.slice(g, pool, offset, end, [0], [size]);
                  return op.mul(g, x, op.reshape(g, window, x.shape));
              }
            : undefined;
    const loss = forwardLoss(g, config, ids, targets, batch, dropout);

    // 2. Backward, gathered into one flat gradient in layout order.
    const params = layout.slots.map((s) => g.params.get(s.name)!);
    const grads = g.scope("", () => gradients(g, loss, params), "grad");
    if (options.grads) grads.forEach((d, i) => g.output(d, names.grad(layout.slots[i].name)));

    g.scope(
        "",
        () => {
            const d = op.concat(
                g,
                grads.map((x, i) => op.reshape(g, x, [layout.slots[i].size])),
                0,
            ); // [N]

            // 3. Global-norm clipping: coef = min(1, clip / (norm + 1e-6)), as torch's clip_grad_norm_.
            const norm = op.sqrt(g, op.reduceSumSquare(g, d, [0]));
            const coef =
                optim.gradClip > 0
                    ? op.min(g, op.div(g, optim.gradClip, op.add(g, norm, 1e-6)), 1)
                    : undefined;

            // 4. AdamW: moments from the clipped gradient, bias correction from `step`, then
            // p <- p * (1 - lr * wd * decayed) - lr / bc1 * m / (sqrt(v / bc2) + eps).
            const bc1 = op.sub(g, 1, pow(g, g.scalar(optim.beta1), step));
            const bc2 = op.sub(g, 1, pow(g, g.scalar(optim.beta2), step));
            const a1 = coef ? op.mul(g, coef, 1 - optim.beta1) : g.scalar(1 - optim.beta1);
            const a2 = coef
                ? op.mul(g, op.mul(g, coef, coef), 1 - optim.beta2)
                : g.scalar(1 - optim.beta2);
            const m2 = op.add(g, op.mul(g, m, optim.beta1), op.mul(g, d, a1));
            const v2 = op.add(g, op.mul(g, v, optim.beta2), op.mul(g, op.mul(g, d, d), a2));
            // Dividing the denominator by the step size saves one full-length multiply.
            const stepSize = op.div(g, lr, bc1);
            const denomScale = op.div(g, op.div(g, 1, op.sqrt(g, bc2)), stepSize);
            const denom = op.add(
                g,
                op.mul(g, op.sqrt(g, v2), denomScale),
                op.div(g, optim.eps, stepSize),
            );
            let kept: Value = flat;
            if (optim.weightDecay !== 0) {
                // One pass picks the factor per element: 1 - lr * wd for matrices, 1 for vectors.
                const decayed = new Uint8Array(N);
                for (const s of layout.slots) {
                    if (isDecayed(s.shape)) decayed.fill(1, s.offset, s.offset + s.size);
                }
                const factor = op.sub(g, 1, op.mul(g, lr, optim.weightDecay));
                kept = op.mul(g, flat, op.where(g, g.constant(decayed, [N], "bool"), factor, 1));
            }
            g.output(op.sub(g, kept, op.div(g, m2, denom)), names.next(names.params));
            g.output(m2, names.next(names.m));
            g.output(v2, names.next(names.v));
            g.output(norm, names.gradNorm);
        },
        "adamw",
    );
    g.output(loss, names.loss);
    return { bytes: g.toBytes("train-step"), dropoutSites };
}

/** Forward and mean cross-entropy only (no dropout): inputs ids, targets and flat params; output `loss`. */
export function buildEvalGraph(
    config: GptConfig,
    batch: number,
    options: StepGraphOptions = {},
): Uint8Array {
    const layout = paramLayout(config);
    const [g] = flatParamBuilder(layout, options.float);
    const T = config.block_size;
    const ids = g.input(names.ids, "int32", [batch, T]);
    const targets = g.input(names.targets, "int32", [batch * T]);
    const loss = forwardLoss(g, config, ids, targets, batch, undefined);
    if (options.grads) {
        const params = layout.slots.map((s) => g.params.get(s.name)!);
        const grads = g.scope("", () => gradients(g, loss, params), "grad");
        grads.forEach((d, i) => g.output(d, names.grad(layout.slots[i].name)));
    }
    g.output(loss, names.loss);
    return g.toBytes("eval-loss");
}

/** A builder whose parameters are views (Split + Reshape) of one flat `params` input. */
function flatParamBuilder(
    layout: { slots: ParamSlot[]; total: number },
    float?: "float32" | "float64",
): [GraphBuilder, Value] {
    let views: Map<string, Value> | undefined;
    let flat: Value | undefined;
    const g: GraphBuilder = new GraphBuilder({
        float,
        paramSource: (name) => {
            if (!views) {
                views = new Map();
                const parts = g.scope(
                    "",
                    () =>
                        op.split(
                            g,
                            flat!,
                            0,
                            layout.slots.map((s) => s.size),
                        ),
                    "params",
                );
                layout.slots.forEach((s, i) =>
                    views!.set(
                        s.name,
                        g.scope("", () => op.reshape(g, parts[i], s.shape), "params"),
                    ),
                );
            }
            const view = views.get(name);
            if (!view) throw new Error(`parameter ${name} is not in the layout`);
            return view;
        },
    });
    flat = g.input(names.params, g.float, [layout.total]);
    return [g, flat];
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
    return g.scope(
        "",
        () => {
            const logp = op.logSoftmax(g, tiedLogits(g, res.final, N), -1); // [N, V]
            const classes = g.constant(
                Array.from({ length: V }, (_, i) => i),
                [1, V],
                "int32",
            );
            const hot = op.cast(g, op.equal(g, op.unsqueeze(g, targets, [1]), classes), g.float); // [N, V]
            const count = op.max(g, op.reduceSum(g, hot, [0, 1]), 1);
            return op.neg(g, op.div(g, op.reduceSum(g, op.mul(g, hot, logp), [0, 1]), count));
        },
        "loss",
    );
}

/** The random pool dropout windows are cut from: at least twice the largest site. */
function dropoutPool(g: GraphBuilder, config: GptConfig, batch: number, seed: number): Value {
    const T = config.block_size;
    const largest = Math.max(batch * T * config.n_embd, batch * config.n_head * T * T);
    const size = 2 ** Math.ceil(Math.log2(2 * largest));
    const next = xoshiro128(seed ^ 0x5bd1e995);
    const threshold = Math.floor(config.dropout * 4294967296);
    const keep = 1 / (1 - config.dropout);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = next() < threshold ? 0 : keep;
    return g.constant(values, [size]);
}

function pow(g: GraphBuilder, base: Value, exponent: Value): Value {
    return g.emit(OpType.Pow, [base, exponent], [{ dtype: base.dtype, shape: [] }])[0];
}
