// Attention maps of a text: full probability (and optionally score) matrices for the heads a view
// shows, each head's mean attention entropy, and small max-pooled thumbnails of every head.
// Attentions cost layers x heads x T^2 floats, so only the layers asked for are fetched.

import type { AttentionParams, AttentionResult } from "../../protocol";
import type { LanguageModel } from "../types";
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
    const limit = Math.min(options.maxTokens ?? Infinity, model.info.contextLength);
    if (!(limit >= 1)) throw new UserError(`maxTokens must be a positive integer, got ${options.maxTokens}`);
    const ids = encoding.ids.slice(0, limit);
    const t = ids.length;
    const info = model.info;
    const result: AttentionResult = {
        model: info.name,
        tokens: ids.map((id, i) => ({
            id,
            text: tokenText(model.tokenizer, id),
            start: encoding.offsets[i][0],
            end: encoding.offsets[i][1],
        })),
        nLayer: info.nLayer,
        nHead: info.nHead,
        entropy: [],
        heads: [],
    };
    if (!info.hasAttention) {
        result.note = info.attentionNote ?? "this model exposes no attention";
        return result;
    }
    const allLayers = Array.from({ length: info.nLayer }, (_, l) => l);
    const layers = options.layers ?? allLayers;
    const heads = options.heads ?? Array.from({ length: info.nHead }, (_, h) => h);
    for (const l of layers) checkIndex(l, info.nLayer, "layer");
    for (const h of heads) checkIndex(h, info.nHead, "head");
    const fetch = options.thumbnailSize ? allLayers : [...new Set(layers)].sort((a, b) => a - b);

    const forward = await model.forward(ids, { logits: false, attentions: fetch, scores: options.scores ?? false });
    const causal = info.objective === "clm";
    const n = t * t;
    for (let l = 0; l < info.nLayer; l++) {
        const probs = forward.attentions?.get(l);
        result.entropy.push(probs ? allHeads(info.nHead, (h) => meanEntropy(probs, t, h * n, causal)) : []);
    }
    for (const l of layers) {
        const probs = forward.attentions!.get(l)!;
        const scores = forward.scores?.get(l);
        for (const h of heads) {
            result.heads.push({
                layer: l,
                head: h,
                probs: base64(probs.subarray(h * n, (h + 1) * n)),
                ...(scores ? { scores: base64(scores.subarray(h * n, (h + 1) * n)) } : {}),
            });
        }
    }
    if (options.thumbnailSize) {
        const size = options.thumbnailSize;
        if (!Number.isInteger(size) || size < 1 || size > 512) {
            throw new UserError(`thumbnailSize must be an integer from 1 to 512, got ${size}`);
        }
        const data = new Uint8Array(info.nLayer * info.nHead * size * size);
        for (let l = 0; l < info.nLayer; l++) {
            const probs = forward.attentions!.get(l)!;
            for (let h = 0; h < info.nHead; h++) {
                const at = (l * info.nHead + h) * size * size;
                maxPool(probs.subarray(h * n, (h + 1) * n), t, size, data.subarray(at, at + size * size));
            }
        }
        result.thumbnails = { size, data: Buffer.from(data.buffer).toString("base64") };
    }
    return result;
}

/**
 * Max-pools a [T, T] matrix of probabilities into [size, size] bytes (255 = probability 1).
 * Cell (a, b) covers rows floor(a T / size) up to floor((a + 1) T / size), at least one row.
 */
export function maxPool(matrix: Float32Array, t: number, size: number, out: Uint8Array): void {
    for (let a = 0; a < size; a++) {
        const r0 = Math.min(t - 1, Math.floor((a * t) / size));
        const r1 = Math.max(r0 + 1, Math.floor(((a + 1) * t) / size));
        for (let b = 0; b < size; b++) {
            const c0 = Math.min(t - 1, Math.floor((b * t) / size));
            const c1 = Math.max(c0 + 1, Math.floor(((b + 1) * t) / size));
            let max = 0;
            for (let r = r0; r < r1; r++) {
                for (let c = c0; c < c1; c++) if (matrix[r * t + c] > max) max = matrix[r * t + c];
            }
            out[a * size + b] = Math.round(Math.min(1, max) * 255);
        }
    }
}

/** Decodes a base64 float32 matrix from an AttentionResult. */
export function decodeFloats(data: string): Float32Array {
    const bytes = Buffer.from(data, "base64");
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

// ---------------------------------------------------------------------------------------------
// Helpers

function checkIndex(index: number, count: number, what: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new UserError(`${what} ${index} is out of range: the model has ${count} ${what}s (0..${count - 1})`);
    }
}

function allHeads(count: number, f: (h: number) => number): number[] {
    return Array.from({ length: count }, (_, h) => f(h));
}

/** Mean over queries of each row's entropy; causal rows stop at the diagonal (the rest is zero). */
function meanEntropy(probs: Float32Array, t: number, offset: number, causal: boolean): number {
    let total = 0;
    for (let q = 0; q < t; q++) {
        const base = offset + q * t;
        const last = causal ? q : t - 1;
        let h = 0;
        for (let j = 0; j <= last; j++) {
            const p = probs[base + j];
            if (p > 0) h -= p * Math.log(p);
        }
        total += h;
    }
    return total / t;
}

function base64(values: Float32Array): string {
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
}
