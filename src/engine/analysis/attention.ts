// Attention maps of a text: full probability (and optionally score) matrices for the heads a view
// shows, each head's mean attention entropy, and small max-pooled thumbnails of every head.
// Attentions cost layers x heads x T^2 floats, so only the layers asked for are fetched, scores
// only for the layers shown in full, and only the heads asked for are encoded.

import type { AttentionParams, AttentionResult } from "../../protocol";
import type { LayerForwardOptions } from "../io/sessions";
import type { Encoding, ForwardResult, LanguageModel } from "../types";
import { UserError } from "../types";
import { encodeForAnalysis, tokenText } from "./analyze";

export type AttentionOptions = Omit<AttentionParams, "text">;

/**
 * Computes attention for `text` (cut to the model's context or `maxTokens`). Entropies are
 * given for every fetched layer; layers not fetched (when `layers` narrows the request and no
 * thumbnails are asked for) have an empty entropy row.
 */
export async function attention(model: LanguageModel, text: string, options: AttentionOptions = {}): Promise<AttentionResult> {
    const encoding = encodeForAnalysis(model.tokenizer, text);
    const plan = planAttention(model, encoding, options);
    const forward = plan.forward ? await model.forward(plan.ids, plan.forward) : {};
    return attentionResult(model, encoding, plan, forward);
}

/** An attention request checked against the model, before anything runs. */
export interface AttentionPlan {
    /** The tokens attended over: the text's first min(maxTokens, context) tokens. */
    ids: number[];
    layers: number[];
    heads: number[];
    /** What the forward pass must return; absent when the model exposes no attention. */
    forward?: LayerForwardOptions;
    options: AttentionOptions;
}

/** Checks `options` against the model and decides which layers' probabilities and scores to fetch. */
export function planAttention(
    model: LanguageModel,
    encoding: Encoding,
    options: AttentionOptions,
): AttentionPlan {
    const info = model.info;
    const limit = Math.min(options.maxTokens ?? Infinity, info.contextLength);
    if (!(limit >= 1)) throw new UserError(`maxTokens must be a positive integer, got ${options.maxTokens}`);
    const size = options.thumbnailSize;
    if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > 512)) {
        throw new UserError(`thumbnailSize must be an integer from 1 to 512, got ${size}`);
    }
    const ids = encoding.ids.slice(0, limit);
    const allLayers = Array.from({ length: info.nLayer }, (_, l) => l);
    const layers = options.layers ?? allLayers;
    const heads = options.heads ?? Array.from({ length: info.nHead }, (_, h) => h);
    const plan: AttentionPlan = { ids, layers, heads, options };
    if (!info.hasAttention) return plan;
    for (const l of layers) checkIndex(l, info.nLayer, "layer");
    for (const h of heads) checkIndex(h, info.nHead, "head");
    const shown = [...new Set(layers)].sort((a, b) => a - b);
    // Thumbnails cover every head, so every layer's probabilities are needed; scores only for
    // the layers shown in full.
    plan.forward = {
        logits: false,
        attentions: size ? allLayers : shown,
        scores: options.scores ?? false,
        scoreLayers: shown,
    };
    return plan;
}

/** Builds the result of `plan` from a forward pass that returned what `plan.forward` asked for. */
export function attentionResult(
    model: LanguageModel,
    encoding: Encoding,
    plan: AttentionPlan,
    forward: ForwardResult,
): AttentionResult {
    const info = model.info;
    const t = plan.ids.length;
    const result: AttentionResult = {
        model: info.name,
        tokens: plan.ids.map((id, i) => ({
            id,
            text: tokenText(model.tokenizer, id),
            start: encoding.offsets[i][0],
            end: encoding.offsets[i][1],
        })),
        totalTokens: encoding.ids.length,
        nLayer: info.nLayer,
        nHead: info.nHead,
        entropy: [],
        heads: [],
    };
    if (!plan.forward) {
        result.note = info.attentionNote ?? "this model exposes no attention";
        return result;
    }
    const causal = info.objective === "clm";
    const n = t * t;
    const size = plan.options.thumbnailSize;
    const cell = size ? size * size : 0;
    const thumbnails = size ? new Uint8Array(info.nLayer * info.nHead * cell) : undefined;
    // Entropies of every fetched layer, and thumbnails of every head (all layers are fetched then).
    for (let l = 0; l < info.nLayer; l++) {
        const probs = thumbnails ? layerOf(forward.attentions, l, "attention probabilities") : forward.attentions?.get(l);
        const row: number[] = [];
        for (let h = 0; probs && h < info.nHead; h++) {
            const at = (l * info.nHead + h) * cell;
            const thumbnail = size && thumbnails ? { size, out: thumbnails.subarray(at, at + cell) } : undefined;
            row.push(summarizeHead(probs.subarray(h * n, (h + 1) * n), t, causal, thumbnail));
        }
        result.entropy.push(row);
    }
    for (const l of plan.layers) {
        const probs = layerOf(forward.attentions, l, "attention probabilities");
        const scores = plan.options.scores ? layerOf(forward.scores, l, "attention scores") : undefined;
        for (const h of plan.heads) {
            result.heads.push({
                layer: l,
                head: h,
                probs: base64(probs.subarray(h * n, (h + 1) * n)),
                ...(scores ? { scores: base64(scores.subarray(h * n, (h + 1) * n)) } : {}),
            });
        }
    }
    if (thumbnails && size) result.thumbnails = { size, data: Buffer.from(thumbnails.buffer).toString("base64") };
    return result;
}

/**
 * Max-pools a [T, T] matrix of probabilities into [size, size] bytes (255 = probability 1).
 * Cell (a, b) covers rows floor(a T / size) up to floor((a + 1) T / size), at least one row, and
 * likewise columns. With `causal`, entries right of the diagonal are known to be zero and are
 * not read, which halves the work.
 */
export function maxPool(
    matrix: Float32Array,
    t: number,
    size: number,
    out: Uint8Array,
    causal = false,
): void {
    const bounds = cellBounds(t, size);
    const band = new Float32Array(size);
    for (let a = 0; a < size; a++) {
        band.fill(0);
        for (let r = bounds[2 * a]; r < bounds[2 * a + 1]; r++) {
            const base = r * t;
            const last = causal ? r + 1 : t;
            for (let b = 0; b < size; b++) {
                const c0 = bounds[2 * b];
                if (c0 >= last) break;
                const c1 = Math.min(bounds[2 * b + 1], last);
                let max = band[b];
                for (let c = base + c0; c < base + c1; c++) if (matrix[c] > max) max = matrix[c];
                band[b] = max;
            }
        }
        for (let b = 0; b < size; b++) out[a * size + b] = Math.round(Math.min(1, band[b]) * 255);
    }
}

/**
 * The mean entropy of one head's [T, T] probabilities and, when asked, its max-pooled thumbnail
 * (as `maxPool` makes it), in one pass over the matrix: both read the same millions of entries.
 */
export function summarizeHead(
    matrix: Float32Array,
    t: number,
    causal: boolean,
    thumbnail?: { size: number; out: Uint8Array },
): number {
    // With more cells than rows, cells share rows and a single pass would count them twice.
    if (!thumbnail || thumbnail.size > t) {
        if (thumbnail) maxPool(matrix, t, thumbnail.size, thumbnail.out, causal);
        return meanEntropy(matrix, t, 0, causal);
    }
    const { size, out } = thumbnail;
    const bits = new Int32Array(matrix.buffer, matrix.byteOffset, matrix.length);
    const bounds = cellBounds(t, size);
    const band = new Float32Array(size);
    let total = 0;
    for (let a = 0; a < size; a++) {
        band.fill(0);
        for (let r = bounds[2 * a]; r < bounds[2 * a + 1]; r++) {
            const base = r * t;
            const last = causal ? r + 1 : t;
            let h = 0;
            for (let b = 0; b < size; b++) {
                const c0 = bounds[2 * b];
                if (c0 >= last) break;
                const end = base + Math.min(bounds[2 * b + 1], last);
                let max = band[b];
                for (let j = base + c0; j < end; j++) {
                    const p = matrix[j];
                    if (p > max) max = p;
                    const x = bits[j];
                    if (x <= 0x007fffff || x === ONE_BITS) continue;
                    h -= p * lnOfBits(x);
                }
                band[b] = max;
            }
            total += h;
        }
        for (let b = 0; b < size; b++) out[a * size + b] = Math.round(Math.min(1, band[b]) * 255);
    }
    return total / t;
}

/** Decodes a base64 float32 matrix from an AttentionResult. */
export function decodeFloats(data: string): Float32Array {
    const bytes = Buffer.from(data, "base64");
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * Mean over queries of each row's entropy -sum p ln p (nats) of the head at `offset` of `probs`;
 * causal rows stop at the diagonal (the rest is zero). Math.log over the millions of entries of a
 * long text dominated the cost, so ln p is read off the float's bits (see `lnOfBits`).
 */
export function meanEntropy(probs: Float32Array, t: number, offset: number, causal: boolean): number {
    const bits = new Int32Array(probs.buffer, probs.byteOffset, probs.length);
    let total = 0;
    for (let q = 0; q < t; q++) {
        const base = offset + q * t;
        const end = base + (causal ? q + 1 : t);
        let h = 0;
        for (let j = base; j < end; j++) {
            const b = bits[j];
            // Zero and subnormals (p < 1.2e-38) add nothing, nor does p = 1 (exactly, so that a
            // one-hot row has entropy 0); a softmax gives no negative values.
            if (b <= 0x007fffff || b === ONE_BITS) continue;
            h -= probs[j] * lnOfBits(b);
        }
        total += h;
    }
    return total / t;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Cell a of a [T] axis cut in `size`: [bounds[2a], bounds[2a + 1]), at least one index. */
function cellBounds(t: number, size: number): Int32Array {
    const bounds = new Int32Array(2 * size);
    for (let a = 0; a < size; a++) {
        bounds[2 * a] = Math.min(t - 1, Math.floor((a * t) / size));
        bounds[2 * a + 1] = Math.max(bounds[2 * a] + 1, Math.floor(((a + 1) * t) / size));
    }
    return bounds;
}

/**
 * ln p of a normal positive float32 given by its bits: p = m 2^e, the mantissa's top 12 bits
 * select a bucket centred on c, and with u = (m - c) / c, |u| <= 2^-13,
 * ln p = e ln 2 + ln c + u - u^2 / 2, off by less than 1e-12.
 */
function lnOfBits(bits: number): number {
    const bucket = (bits >>> 11) & 0xfff;
    const u = ((bits & 0x7ff) - 1024) * STEP_OVER_CENTRE[bucket];
    return ((bits >>> 23) - 127) * Math.LN2 + LN_CENTRE[bucket] + u - 0.5 * u * u;
}

/**
 * For the 4,096 buckets of mantissas m in [1, 2): ln of the bucket's centre c, and 2^-23 / c,
 * the change of ln m per unit of the 11 mantissa bits below the bucket index.
 */
const LN_CENTRE = Float64Array.from({ length: 4096 }, (_, i) => Math.log(1 + (i + 0.5) / 4096));
const STEP_OVER_CENTRE = Float64Array.from({ length: 4096 }, (_, i) => 2 ** -23 / (1 + (i + 0.5) / 4096));

/** The bits of the float32 1.0. */
const ONE_BITS = 0x3f800000;

function checkIndex(index: number, count: number, what: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new UserError(`${what} ${index} is out of range: the model has ${count} ${what}s (0..${count - 1})`);
    }
}

function layerOf(values: Map<number, Float32Array> | undefined, layer: number, what: string): Float32Array {
    const data = values?.get(layer);
    if (!data) throw new Error(`the forward pass returned no ${what} for layer ${layer}`);
    return data;
}

function base64(values: Float32Array): string {
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
}
