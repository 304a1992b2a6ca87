// A causal language model from an ONNX file (input_ids [+ attention_mask, position_ids] -> logits),
// run by ONNX Runtime. Attention maps come from graph surgery (see onnxGraph.ts): a second session
// over the same bytes plus appended Identity outputs, created the first time attention is asked for.

import { existsSync, readFileSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import * as ort from "onnxruntime-node";
import { log } from "../log";
import type { ForwardResult, LanguageModel, ModelInfo, Tokenizer } from "../types";
import { UserError } from "../types";
import { exposeAttention, inspectOnnx, type OnnxGraphSummary, type OnnxValue } from "./onnxGraph";
import { type LayerForwardOptions, openSession, PrefixLogitsCache } from "./sessions";

export interface OnnxModelOptions {
    /** Intra-op threads (0 = ORT's default). */
    threads?: number;
    /** Execution providers to try before the CPU, e.g. ["cuda"]. */
    executionProviders?: readonly string[];
}

/** Loads `file` (an .onnx causal LM) with the given tokenizer; corrupt files give a UserError. */
export async function loadOnnxModel(
    file: string,
    tokenizer: Tokenizer,
    options: OnnxModelOptions = {},
): Promise<OnnxLanguageModel> {
    let bytes: Uint8Array;
    try {
        bytes = readFileSync(file);
    } catch (err) {
        throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const summary = inspectOnnx(bytes, file);
    const ids = summary.inputs.find((v) => v.name === "input_ids");
    if (!ids) {
        const names = summary.inputs.map((v) => v.name).join(", ") || "none";
        throw new UserError(`${file} has no input named input_ids (inputs: ${names}); expected a causal LM export`);
    }
    for (const input of summary.inputs) {
        if (!KNOWN_INPUTS.has(input.name) && !isPastInput(input)) {
            throw new UserError(
                `${file} declares the input ${input.name}, which this loader cannot feed ` +
                    "(supported: input_ids, attention_mask, position_ids, token_type_ids, past key/values)",
            );
        }
    }
    const logits = summary.outputs.find((v) => v.name === "logits") ?? summary.outputs[0];
    const session = await openSession(bytes, options, file);
    const model = new OnnxLanguageModel(file, bytes, summary, logits.name, tokenizer, session, options);
    await model.probe();
    return model;
}

export class OnnxLanguageModel implements LanguageModel {
    info: ModelInfo;
    private attentionSession?: Promise<ort.InferenceSession>;
    private readonly cache = new PrefixLogitsCache();

    constructor(
        file: string,
        private readonly bytes: Uint8Array,
        private readonly summary: OnnxGraphSummary,
        private readonly logitsName: string,
        readonly tokenizer: Tokenizer,
        private readonly session: ort.InferenceSession,
        private readonly options: OnnxModelOptions,
    ) {
        const config = readConfigBeside(file);
        const logitsValue = summary.outputs.find((v) => v.name === logitsName);
        const vocab = typeof logitsValue?.dims.at(-1) === "number" ? (logitsValue.dims.at(-1) as number) : tokenizer.vocabSize;
        const context =
            num(config?.n_positions) ?? num(config?.n_ctx) ?? num(config?.max_position_embeddings) ?? summary.positions;
        this.info = {
            kind: "onnx",
            path: file,
            name: basename(file).replace(/\.onnx$/i, ""),
            vocabSize: vocab,
            // Limitation: without a config or a recognisable position table the context is unknown; 1,024 is assumed.
            contextLength: context ?? 1024,
            nLayer: num(config?.n_layer) ?? summary.attention.length,
            nHead: num(config?.n_head) ?? 0,
            nEmbd: num(config?.n_embd),
            objective: "clm",
            hasAttention: summary.attention.length > 0,
            attentionNote: summary.attentionNote,
        };
    }

    /** Runs one token to check the model works, and reads the head count from the attention shape. */
    async probe(): Promise<void> {
        const first = this.tokenizer.bosId ?? 0;
        if (this.info.hasAttention) {
            const result = await this.run([first], false, [0], []);
            const dims = result.dims.get(0);
            if (dims && dims.length === 4 && this.info.nHead === 0) this.info.nHead = dims[1];
        } else {
            await this.run([first], true, [], []);
        }
    }

    async forward(ids: readonly number[], options: LayerForwardOptions = {}): Promise<ForwardResult> {
        this.checkIds(ids);
        if (options.hidden) throw new UserError(`${this.info.name}: hidden states are not available from ONNX models`);
        const wantLogits = options.logits ?? true;
        let layers: number[] = [];
        if (options.attentions || options.scores) {
            if (!this.info.hasAttention) throw new UserError(`${this.info.name}: ${this.info.attentionNote}`);
            const all = this.summary.attention.map((s) => s.layer);
            layers = options.attentions === true || !options.attentions ? all : options.attentions;
            for (const l of layers) {
                if (!all.includes(l)) throw new UserError(`layer ${l} is out of range: the model has ${all.length} layers`);
            }
        }
        const attn = options.attentions !== undefined && options.attentions !== false;
        const scoreLayers = options.scores ? (options.scoreLayers ?? layers) : [];
        for (const l of scoreLayers) {
            if (!layers.includes(l)) {
                throw new UserError(`score layer ${l} is not among the attention layers asked for (${layers.join(", ")})`);
            }
        }
        const result = await this.run(ids, wantLogits, attn ? layers : [], scoreLayers);
        if (result.logits) this.cache.store(ids, result.logits, this.info.vocabSize);
        return { logits: result.logits, attentions: result.attentions, scores: result.scores };
    }

    /** Logits predicting the token after `ids`; served from the last forward when `ids` is a prefix of it. */
    async nextLogits(ids: readonly number[]): Promise<Float32Array> {
        const cached = this.cache.lookup(ids);
        if (cached) return cached;
        const { logits } = await this.forward(ids, { logits: true });
        const v = this.info.vocabSize;
        return logits!.slice((ids.length - 1) * v, ids.length * v);
    }

    async dispose(): Promise<void> {
        await this.session.release();
        if (this.attentionSession) await (await this.attentionSession).release();
    }

    private checkIds(ids: readonly number[]): void {
        if (ids.length === 0) throw new UserError("no tokens to run the model on");
        if (ids.length > this.info.contextLength) {
            throw new UserError(`${ids.length} tokens exceed the model's context of ${this.info.contextLength}`);
        }
        for (const id of ids) {
            if (!Number.isInteger(id) || id < 0 || id >= this.info.vocabSize) {
                throw new UserError(`token id ${id} is outside the vocabulary (0..${this.info.vocabSize - 1})`);
            }
        }
    }

    /** Runs `ids`, fetching the probabilities of `layers` and the scores of `scoreLayers`. */
    private async run(
        ids: readonly number[],
        wantLogits: boolean,
        layers: readonly number[],
        scoreLayers: readonly number[],
    ) {
        const t = ids.length;
        const feeds: Record<string, ort.Tensor> = {};
        for (const input of this.summary.inputs) feeds[input.name] = feedFor(input, ids);
        const fetches: string[] = [];
        if (wantLogits) fetches.push(this.logitsName);
        const sites = layers.map((l) => this.summary.attention[l]);
        const scoreSites = scoreLayers.map((l) => this.summary.attention[l]);
        for (const site of sites) fetches.push(site.probsOutput);
        for (const site of scoreSites) fetches.push(site.scoresOutput);
        if (fetches.length === 0) fetches.push(this.logitsName);
        const session = sites.length + scoreSites.length > 0 ? await this.surgerySession() : this.session;
        const out = await session.run(feeds, fetches);

        const result: {
            logits?: Float32Array;
            attentions?: Map<number, Float32Array>;
            scores?: Map<number, Float32Array>;
            dims: Map<number, readonly number[]>;
        } = { dims: new Map() };
        if (wantLogits) result.logits = floatData(out[this.logitsName], this.logitsName, t * this.info.vocabSize);
        if (sites.length > 0) result.attentions = new Map();
        if (scoreSites.length > 0) result.scores = new Map();
        for (const site of sites) {
            const tensor = out[site.probsOutput];
            result.attentions!.set(site.layer, floatData(tensor, site.softmaxNode));
            result.dims.set(site.layer, tensor.dims);
        }
        for (const site of scoreSites) {
            const data = floatData(out[site.scoresOutput], site.softmaxNode).slice();
            maskFuture(data, t);
            result.scores!.set(site.layer, data);
        }
        return result;
    }

    private surgerySession(): Promise<ort.InferenceSession> {
        if (!this.attentionSession) {
            const started = performance.now();
            const bytes = exposeAttention(this.bytes, this.summary.attention);
            log.debug(`exposed ${this.summary.attention.length} attention layers in ${(performance.now() - started).toFixed(1)} ms`);
            this.attentionSession = openSession(bytes, this.options, this.info.path);
        }
        return this.attentionSession;
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "position_ids", "token_type_ids"]);

/** Past key/value inputs of decoders exported with a cache: [batch, heads, past, head_dim]. */
function isPastInput(value: OnnxValue): boolean {
    return /past/i.test(value.name) && value.dims.length === 4 && typeof value.dims[1] === "number" && typeof value.dims[3] === "number";
}

function feedFor(input: OnnxValue, ids: readonly number[]): ort.Tensor {
    const t = ids.length;
    if (isPastInput(input)) {
        // An empty past: the whole sequence is computed from scratch.
        const dims = [1, input.dims[1] as number, 0, input.dims[3] as number];
        return new ort.Tensor("float32", new Float32Array(0), dims);
    }
    const values = input.name === "input_ids"
        ? ids
        : input.name === "position_ids"
          ? ids.map((_, i) => i)
          : input.name === "attention_mask"
            ? ids.map(() => 1)
            : ids.map(() => 0);
    if (input.elemType === 6) return new ort.Tensor("int32", Int32Array.from(values), [1, t]);
    return new ort.Tensor("int64", BigInt64Array.from(values, (v) => BigInt(v)), [1, t]);
}

function floatData(tensor: ort.Tensor | undefined, what: string, expected?: number): Float32Array {
    if (!tensor || tensor.type !== "float32") {
        throw new UserError(`ONNX output ${what} is ${tensor ? tensor.type : "missing"}; expected float32`);
    }
    const data = tensor.data as Float32Array;
    if (expected !== undefined && data.length !== expected) {
        throw new UserError(`ONNX output ${what} has ${data.length} values; expected ${expected} (one sequence)`);
    }
    return data;
}

/** Sets key positions after each query to -Infinity, whatever large negative the export used. */
function maskFuture(data: Float32Array, t: number): void {
    for (let base = 0; base < data.length; base += t * t) {
        for (let q = 0; q < t; q++) data.fill(-Infinity, base + q * t + q + 1, base + (q + 1) * t);
    }
}

/** `<name>.config.json` beside `<name>.onnx` (as export writes it), else the folder's config.json. */
function readConfigBeside(file: string): Record<string, unknown> | undefined {
    const candidates = [file.replace(/\.onnx$/i, ".config.json"), join(dirname(file), "config.json")];
    const path = candidates.find((candidate) => existsSync(candidate));
    if (path === undefined) return undefined;
    try {
        return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    } catch (err) {
        log.warn(`ignoring ${path}: ${(err as Error).message}`);
        return undefined;
    }
}

function num(value: unknown): number | undefined {
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
