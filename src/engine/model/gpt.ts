// The GPT model (nanoGPT architecture, Hugging Face GPT-2 parameter names and layouts), defined
// once against the graph builder and used both for inference graphs and inside the training
// step. Attention is computed explicitly so probabilities and scores can be graph outputs.
//
// Dimension letters: B batch, T new tokens, P cached tokens, C n_embd, H n_head, D = C / H,
// V vocab_size.

import { Dim, GraphBuilder, Value, op } from "../graph";
import { GptConfig, UserError } from "../types";
import { AttentionMask, attentionMask } from "./attentionMask";
import { paramShapes } from "./init";

export { initParams, isDecayed, paramShapes } from "./init";

/** What the forward pass should expose besides the final hidden state. */
export interface GptForwardOptions {
    batch: Dim;
    seq: Dim;
    /** Dropout hook: called at each dropout site with its name; returns the (masked) value. */
    dropout?: (x: Value, site: string) => Value;
    /** Layers whose attention probabilities to collect. */
    attentions?: Set<number>;
    /** Layers whose masked pre-softmax scores to collect. */
    scores?: Set<number>;
    /** Collect the residual stream before layer 0 and after each layer. */
    hidden?: boolean;
    /** Past keys/values per layer [B, H, P, D]; presents are returned. */
    past?: { key: Value; value: Value }[];
}

export interface GptForwardResult {
    /** After ln_f: [B, T, C]. */
    final: Value;
    attentions: Map<number, Value>;
    scores: Map<number, Value>;
    hidden: Value[];
    present: { key: Value; value: Value }[];
}

/**
 * The transformer body: embeddings, blocks and final LayerNorm, with parameters created under
 * `transformer.*`. `ids` is int32/int64 [B, T].
 */
export function gptForward(
    g: GraphBuilder,
    config: GptConfig,
    ids: Value,
    opts: GptForwardOptions,
): GptForwardResult {
    checkConfig(config);
    const { batch: B, seq: T } = opts;
    const C = config.n_embd;
    const mask = attentionMask(config.attention);
    const drop = opts.dropout ?? ((x: Value) => x);
    const res: GptForwardResult = {
        final: ids,
        attentions: new Map(),
        scores: new Map(),
        hidden: [],
        present: [],
    };

    return g.scope(
        "transformer",
        () => {
            const wte = g.param("wte.weight", [config.vocab_size, C]);
            const wpe = g.param("wpe.weight", [config.block_size, C]);

            // Positions: 0..T-1 in training; P..P+T-1 when a cache holds P earlier tokens. Dynamic
            // lengths need runtime start/end positions, for the embeddings and the mask alike.
            const span =
                opts.past || typeof T !== "number"
                    ? dynamicPositions(g, ids, opts.past?.[0].key)
                    : undefined;
            let pos: Value;
            if (span)
                pos = op.gather(g, wpe, span.positions); // [T, C]
            else if (T === config.block_size) pos = wpe;
            else pos = op.gather(g, wpe, g.constant(range(T as number), [T as number], "int64"));
            let x = drop(op.add(g, op.gather(g, wte, ids), pos), "transformer.drop"); // [B, T, C]
            if (opts.hidden) res.hidden.push(x);

            for (let i = 0; i < config.n_layer; i++) {
                x = g.scope(`h.${i}`, () => {
                    const ctx = {
                        mask,
                        B,
                        T,
                        layer: i,
                        span,
                        past: opts.past?.[i],
                    };
                    const n1 = layerNorm(g, config, "ln_1", x);
                    const a = g.scope("attn", () => attention(g, config, n1, ctx, drop, opts, res));
                    const x1 = op.add(g, x, a);
                    const n2 = layerNorm(g, config, "ln_2", x1);
                    const m = g.scope("mlp", () => mlp(g, config, n2, drop, i));
                    return op.add(g, x1, m); // [B, T, C]
                });
                if (opts.hidden) res.hidden.push(x);
            }
            res.final = layerNorm(g, config, "ln_f", x);
            return res;
        },
        "",
    );
}

/** Logits with the head tied to wte: [B*T, C] x wte^T as one Gemm, giving [B*T, V]. */
export function tiedLogits(g: GraphBuilder, final: Value, rows: Dim): Value {
    const wte = g.params.get("transformer.wte.weight");
    if (!wte) throw new Error("tiedLogits needs gptForward to have created transformer.wte.weight");
    const flat = op.reshape(g, final, [rows, final.shape[final.rank - 1]]);
    return op.gemm(g, flat, wte, { transB: true });
}

/** Checks the hyper-parameters, naming the offending value. */
export function checkConfig(config: GptConfig): void {
    const positive = ["n_layer", "n_head", "n_embd", "block_size", "vocab_size"] as const;
    for (const key of positive) {
        if (!Number.isInteger(config[key]) || config[key] <= 0) {
            throw new UserError(
                `model config: ${key} must be a positive integer, found ${config[key]}`,
            );
        }
    }
    if (config.n_embd % config.n_head !== 0) {
        throw new UserError(
            `model config: n_embd ${config.n_embd} is not divisible by n_head ${config.n_head}`,
        );
    }
    if (!(config.dropout >= 0 && config.dropout < 1)) {
        throw new UserError(`model config: dropout must be in [0, 1), found ${config.dropout}`);
    }
    if (config.activation !== "gelu" && config.activation !== "gelu_new") {
        throw new UserError(
            `model config: activation must be gelu or gelu_new, found ${config.activation}`,
        );
    }
}

/** Number of parameters of a config. */
export function countParams(config: GptConfig): number {
    return paramShapes(config).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}

// ---------------------------------------------------------------------------------------------

interface LayerContext {
    mask: AttentionMask;
    B: Dim;
    T: Dim;
    layer: number;
    span?: { start: Value; end: Value };
    past?: { key: Value; value: Value };
}

function attention(
    g: GraphBuilder,
    config: GptConfig,
    x: Value,
    ctx: LayerContext,
    drop: (x: Value, site: string) => Value,
    opts: GptForwardOptions,
    res: GptForwardResult,
): Value {
    const { B, T, layer } = ctx;
    const C = config.n_embd;
    const H = config.n_head;
    const D = C / H;
    const qkv = linear(g, config, "c_attn", x, C, 3 * C); // [B, T, 3C]
    const [q, k, v] = op.split(g, qkv, -1, [C, C, C]).map((z) => op.reshape(g, z, [B, T, H, D]));
    // The 1/sqrt(D) scale is applied to q ([B,H,T,D]), which is cheaper than scaling the scores.
    const qh = op.mul(g, op.transpose(g, q, [0, 2, 1, 3]), 1 / Math.sqrt(D)); // [B, H, T, D]
    let kh = op.transpose(g, k, [0, 2, 1, 3]); // [B, H, T, D]
    let vh = op.transpose(g, v, [0, 2, 1, 3]); // [B, H, T, D]
    let keys: Dim = T;
    if (ctx.past) {
        kh = op.concat(g, [ctx.past.key, kh], 2); // [B, H, P+T, D]
        vh = op.concat(g, [ctx.past.value, vh], 2);
        keys = kh.shape[2];
        res.present[layer] = { key: kh, value: vh };
    }
    let scores = op.matmul(g, qh, op.transposeLast(g, kh)); // [B, H, T, keys]
    const bias = ctx.mask.bias(g, {
        blockSize: config.block_size,
        queries: T,
        keys,
        start: ctx.span?.start,
        end: ctx.span?.end,
    });
    if (bias) scores = op.add(g, scores, bias);
    const probs = op.softmax(g, scores, -1);
    if (opts.attentions?.has(layer)) res.attentions.set(layer, probs);
    if (opts.scores?.has(layer)) res.scores.set(layer, scores);
    const y = op.matmul(g, drop(probs, `transformer.h.${layer}.attn.attn_dropout`), vh); // [B, H, T, D]
    const merged = op.reshape(g, op.transpose(g, y, [0, 2, 1, 3]), [B, T, C]);
    return drop(
        linear(g, config, "c_proj", merged, C, C),
        `transformer.h.${layer}.attn.resid_dropout`,
    );
}

function mlp(
    g: GraphBuilder,
    config: GptConfig,
    x: Value,
    drop: (x: Value, site: string) => Value,
    layer: number,
): Value {
    const C = config.n_embd;
    const h = linear(g, config, "c_fc", x, C, 4 * C);
    const a = op.gelu(g, h, config.activation === "gelu_new" ? "tanh" : "none");
    return drop(linear(g, config, "c_proj", a, 4 * C, C), `transformer.h.${layer}.mlp.dropout`);
}

/** Conv1D layout: y = x @ W + b with W [in, out]. */
function linear(
    g: GraphBuilder,
    config: GptConfig,
    name: string,
    x: Value,
    nIn: number,
    nOut: number,
): Value {
    return g.scope(name, () => {
        const w = g.param("weight", [nIn, nOut]);
        const y = op.matmul(g, x, w);
        return config.bias ? op.add(g, y, g.param("bias", [nOut])) : y;
    });
}

function layerNorm(g: GraphBuilder, config: GptConfig, name: string, x: Value): Value {
    return g.scope(name, () => {
        const C = config.n_embd;
        return op.layerNorm(
            g,
            x,
            g.param("weight", [C]),
            g.param("bias", [C]),
            config.layer_norm_epsilon,
        );
    });
}

/**
 * Runtime positions of the T new tokens: start = P (cached length, 0 without a cache) and
 * end = P + T as int64 [1], and the position ids [T].
 */
function dynamicPositions(g: GraphBuilder, ids: Value, pastKey?: Value) {
    const T = op.slice(g, op.shape(g, ids), g.ints([1]), g.ints([2]), [0], [1]);
    const start = pastKey
        ? op.slice(g, op.shape(g, pastKey), g.ints([2]), g.ints([3]), [0], [1])
        : g.ints([0]);
    const end = pastKey ? op.add(g, start, T) : T;
    const positions = op.range(g, op.reshape(g, start, []), op.reshape(g, end, []), ids.shape[1]);
    return { start, end, positions };
}

function range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i);
}
export { buildGptInference } from "./inference";
export type { InferenceOutputs } from "./inference";
