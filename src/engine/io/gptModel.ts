// A GPT language model from weights (LM Lab run folders and Hugging Face GPT-2 folders), run as
// inference graphs built by model/gpt.ts. One ORT session is cached per set of outputs; the
// next-token path keeps a KV cache so a prefix that only grew costs one short forward pass.

import * as ort from "onnxruntime-node";
import { buildGptInference } from "../model/gpt";
import type { ForwardResult, GptConfig, LanguageModel, ModelInfo, Tokenizer } from "../types";
import { UserError } from "../types";
import { type InferenceRuntime, type LayerForwardOptions, openSession } from "./sessions";

export interface GptModelSource {
    kind: "lmlab" | "hf";
    path: string;
    name: string;
    config: GptConfig;
    /** Hugging Face GPT-2 names (Conv1D layout), float32. */
    weights: Map<string, Float32Array>;
    tokenizer: Tokenizer;
}

export class GptLanguageModel implements LanguageModel {
    readonly info: ModelInfo;
    readonly tokenizer: Tokenizer;
    readonly config: GptConfig;
    readonly weights: Map<string, Float32Array>;
    private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
    private kv?: { ids: number[]; past: ort.Tensor[] };
    /** Serialises KV-cache use: hover and generation may ask at the same time. */
    private queue: Promise<unknown> = Promise.resolve();

    constructor(source: GptModelSource, private readonly runtime: InferenceRuntime = {}) {
        const c = source.config;
        this.config = c;
        this.weights = source.weights;
        this.tokenizer = source.tokenizer;
        let nParams = 0;
        for (const w of source.weights.values()) nParams += w.length;
        this.info = {
            kind: source.kind,
            path: source.path,
            name: source.name,
            vocabSize: c.vocab_size,
            contextLength: c.block_size,
            nLayer: c.n_layer,
            nHead: c.n_head,
            nEmbd: c.n_embd,
            nParams,
            objective: c.objective,
            hasAttention: true,
        };
        if (c.objective !== "clm") {
            throw new UserError(`${source.path} is a masked language model (objective ${c.objective}); expected a causal GPT`);
        }
        if (source.tokenizer.vocabSize > c.vocab_size) {
            throw new UserError(
                `${source.path}: the tokenizer has ${source.tokenizer.vocabSize} tokens but the model only ${c.vocab_size}`,
            );
        }
    }

    async forward(ids: readonly number[], options: LayerForwardOptions = {}): Promise<ForwardResult> {
        this.checkIds(ids);
        const logits = options.logits ?? true;
        const layers = options.attentions === true ? this.allLayers() : options.attentions || [];
        const attn = layers.length > 0;
        const scores = (options.scores ?? false) && (attn || options.attentions === undefined);
        const scoreLayers = scores ? (options.scoreLayers ?? (attn ? layers : this.allLayers())) : [];
        for (const l of [...layers, ...scoreLayers]) {
            if (!Number.isInteger(l) || l < 0 || l >= this.config.n_layer) {
                throw new UserError(`layer ${l} is out of range: the model has ${this.config.n_layer} layers`);
            }
        }
        const session = await this.session({ logits, attentions: attn || scores, scores, hidden: options.hidden ?? false });
        const fetches: string[] = [];
        if (logits) fetches.push("logits");
        for (const l of layers) fetches.push(`attn.${l}`);
        for (const l of scoreLayers) fetches.push(`scores.${l}`);
        if (options.hidden) for (let i = 0; i <= this.config.n_layer; i++) fetches.push(`hidden.${i}`);
        const out = await session.run({ input_ids: idsTensor(ids) }, fetches);

        const result: ForwardResult = {};
        if (logits) result.logits = out.logits.data as Float32Array;
        if (attn) result.attentions = new Map(layers.map((l) => [l, out[`attn.${l}`].data as Float32Array]));
        if (scores) result.scores = new Map(scoreLayers.map((l) => [l, out[`scores.${l}`].data as Float32Array]));
        if (options.hidden) {
            result.hidden = Array.from({ length: this.config.n_layer + 1 }, (_, i) => out[`hidden.${i}`].data as Float32Array);
        }
        return result;
    }

    /**
     * Logits [V] predicting the token after `ids`. Keys and values of the longest common prefix
     * with the previous call are reused; only the tokens after it run through the model.
     */
    nextLogits(ids: readonly number[]): Promise<Float32Array> {
        const run = this.queue.then(() => this.nextLogitsNow(ids));
        this.queue = run.catch(() => undefined);
        return run;
    }

    async dispose(): Promise<void> {
        for (const session of this.sessions.values()) await (await session).release();
        this.sessions.clear();
        this.kv = undefined;
    }

    private async nextLogitsNow(ids: readonly number[]): Promise<Float32Array> {
        this.checkIds(ids);
        const { n_layer: layers, n_head: heads, n_embd: embd } = this.config;
        const headDim = embd / heads;
        let reuse = 0;
        if (this.kv) {
            const limit = Math.min(this.kv.ids.length, ids.length - 1);
            while (reuse < limit && this.kv.ids[reuse] === ids[reuse]) reuse++;
        }
        const feeds: Record<string, ort.Tensor> = { input_ids: idsTensor(ids.slice(reuse)) };
        for (let l = 0; l < layers; l++) {
            for (const [j, part] of (["key", "value"] as const).entries()) {
                const cached = this.kv?.past[2 * l + j];
                feeds[`past.${l}.${part}`] = cached && reuse > 0
                    ? truncatePast(cached, reuse)
                    : new ort.Tensor("float32", new Float32Array(0), [1, heads, 0, headDim]);
            }
        }
        const session = await this.session({ logits: true, attentions: false, scores: false, hidden: false, kvCache: true });
        const out = await session.run(feeds);
        const past: ort.Tensor[] = [];
        for (let l = 0; l < layers; l++) past.push(out[`present.${l}.key`], out[`present.${l}.value`]);
        this.kv = { ids: ids.slice(), past };
        const logits = out.logits.data as Float32Array;
        const v = this.config.vocab_size;
        const rows = ids.length - reuse;
        return logits.slice((rows - 1) * v, rows * v);
    }

    private session(outputs: {
        logits: boolean;
        attentions: boolean;
        scores: boolean;
        hidden: boolean;
        kvCache?: boolean;
    }): Promise<ort.InferenceSession> {
        const key = JSON.stringify(outputs);
        let session = this.sessions.get(key);
        if (!session) {
            const bytes = buildGptInference(this.config, this.weights, outputs);
            session = openSession(bytes, this.runtime, this.info.path);
            this.sessions.set(key, session);
            // A failed build must not poison the cache for later calls.
            session.catch(() => this.sessions.delete(key));
        }
        return session;
    }

    private allLayers(): number[] {
        return Array.from({ length: this.config.n_layer }, (_, l) => l);
    }

    private checkIds(ids: readonly number[]): void {
        if (ids.length === 0) throw new UserError("no tokens to run the model on");
        if (ids.length > this.config.block_size) {
            throw new UserError(`${ids.length} tokens exceed the model's context of ${this.config.block_size}`);
        }
        for (const id of ids) {
            if (!Number.isInteger(id) || id < 0 || id >= this.config.vocab_size) {
                throw new UserError(`token id ${id} is outside the vocabulary (0..${this.config.vocab_size - 1})`);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function idsTensor(ids: readonly number[]): ort.Tensor {
    return new ort.Tensor("int64", BigInt64Array.from(ids, (id) => BigInt(id)), [1, ids.length]);
}

/** The first `keep` positions of a [1, H, P, D] key or value tensor. */
function truncatePast(past: ort.Tensor, keep: number): ort.Tensor {
    const [, heads, length, headDim] = past.dims;
    if (keep === length) return past;
    const data = past.data as Float32Array;
    const out = new Float32Array(heads * keep * headDim);
    for (let h = 0; h < heads; h++) {
        out.set(data.subarray(h * length * headDim, (h * length + keep) * headDim), h * keep * headDim);
    }
    return new ort.Tensor("float32", out, [1, heads, keep, headDim]);
}
