// Loads a Hugging Face GPT-2 checkpoint folder (config.json + model.safetensors, optional
// tokenizer.json) into canonical `transformer.*` float32 weights in Conv1D [in, out] layout.
// Accepts F32/F16/BF16 files, modern and legacy (bare `h.0.…`) names; drops the legacy attention
// buffers and a tied `lm_head.weight`; checks every tensor's presence and shape against config.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { paramShapes } from "../model/init";
import { loadTokenizer } from "../tokenizer";
import type { GptConfig, Tokenizer } from "../types";
import { UserError } from "../types";
import { gptConfigFromHf } from "./hfConfig";
import { readJsonFile } from "./jsonFile";
import { readSafetensors } from "./safetensors";

export interface Gpt2Checkpoint {
    config: GptConfig;
    /** Canonical names (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, …). */
    weights: Map<string, Float32Array>;
    /** From tokenizer.json in the folder, when there is one. */
    tokenizer?: Tokenizer;
    /** The on-disk dtype of the weights (the first tensor's; files are not mixed in practice). */
    dtype: string;
}

/**
 * Canonical GPT-2 tensor names and shapes for `config`, in checkpoint order. Linear biases are
 * listed only when `config.bias` is true; LayerNorm biases always are.
 */
export function gpt2TensorShapes(config: GptConfig): Map<string, number[]> {
    return new Map(paramShapes(config));
}

export interface LoadGpt2CheckpointOptions {
    /** The folder's config.json, already parsed by the caller; read from disk when absent. */
    rawConfig?: Record<string, unknown>;
    /**
     * Whether to load the folder's tokenizer.json (default true). A caller that brings its own
     * tokenizer passes false, so a large vocabulary is not parsed for nothing.
     */
    loadTokenizer?: boolean;
}

/** Loads the checkpoint in `dir`; every problem is a `UserError` naming the file and tensor. */
export function loadGpt2Checkpoint(dir: string, options: LoadGpt2CheckpointOptions = {}): Gpt2Checkpoint {
    const configPath = join(dir, "config.json");
    let rawConfig = options.rawConfig;
    if (rawConfig === undefined) {
        if (!existsSync(configPath))
            throw new UserError(`${dir}: no config.json (expected a GPT-2 model folder)`);
        rawConfig = readJsonFile(configPath) as Record<string, unknown>;
    }
    const config = gptConfigFromHf(rawConfig, configPath);

    const weightsPath = join(dir, "model.safetensors");
    if (!existsSync(weightsPath)) {
        const sharded = existsSync(join(dir, "model.safetensors.index.json"));
        // Limitation: sharded checkpoints are not read; small models come as one file.
        throw new UserError(
            sharded
                ? `${dir}: sharded checkpoints (model.safetensors.index.json) are not supported; save as one model.safetensors`
                : `${dir}: no model.safetensors`,
        );
    }
    const file = readSafetensors(weightsPath);
    const expected = gpt2TensorShapes(config);
    const weights = new Map<string, Float32Array>();
    const unknown: string[] = [];
    let lmHead: Float32Array | undefined;
    let dtype = "";

    for (const [name, tensor] of file.tensors) {
        dtype ||= tensor.dtype;
        if (isLegacyBuffer(name)) continue;
        if (name === "lm_head.weight") {
            lmHead = tensor.data;
            continue;
        }
        const canonical = name.startsWith("transformer.") ? name : `transformer.${name}`;
        const shape = expected.get(canonical);
        if (!shape) {
            if (!config.bias && isLinearBias(canonical)) {
                throw new UserError(
                    `${weightsPath}: tensor "${name}" is present but config.json says the model has no biases (lm_lab.bias false)`,
                );
            }
            unknown.push(name);
            continue;
        }
        if (tensor.dtype !== "F32" && tensor.dtype !== "F16" && tensor.dtype !== "BF16") {
            throw new UserError(
                `${weightsPath}: tensor "${name}" has dtype ${tensor.dtype}; expected F32, F16 or BF16`,
            );
        }
        if (weights.has(canonical)) {
            throw new UserError(
                `${weightsPath}: tensor "${canonical}" appears under both the prefixed and the bare name`,
            );
        }
        if (shape.length !== tensor.shape.length || shape.some((d, i) => d !== tensor.shape[i])) {
            throw new UserError(
                `${weightsPath}: tensor "${name}" has shape [${tensor.shape.join(", ")}], expected [${shape.join(", ")}] from config.json`,
            );
        }
        weights.set(canonical, tensor.data);
    }
    if (unknown.length > 0) {
        throw new UserError(
            `${weightsPath}: tensors not part of a GPT-2 language model: ${unknown.slice(0, 5).join(", ")}` +
                (unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""),
        );
    }
    const missing = [...expected.keys()].filter((name) => !weights.has(name));
    if (missing.length > 0) {
        const biasHint = missing.some(isLinearBias)
            ? " (a model without Linear biases needs lm_lab.bias false in config.json)"
            : "";
        throw new UserError(
            `${weightsPath}: missing tensors ${missing.slice(0, 5).join(", ")}` +
                (missing.length > 5 ? ` and ${missing.length - 5} more` : "") +
                biasHint,
        );
    }
    checkLmHead(lmHead, weights.get("transformer.wte.weight")!, rawConfig, weightsPath);
    checkFinite(weights, weightsPath);

    const wantTokenizer = options.loadTokenizer ?? true;
    const tokenizer =
        wantTokenizer && existsSync(join(dir, "tokenizer.json")) ? loadTokenizer(dir) : undefined;
    return { config, weights, tokenizer, dtype };
}

// ---------------------------------------------------------------------------------------------

/** The causal-mask buffers older GPT-2 checkpoints saved as `h.N.attn.bias` / `masked_bias`. */
function isLegacyBuffer(name: string): boolean {
    return /(^|\.)h\.\d+\.attn\.(bias|masked_bias)$/.test(name);
}

function isLinearBias(name: string): boolean {
    return /\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.bias$/.test(name);
}

/** LM Lab ties the output head to the token embedding; an untied, different head is refused. */
function checkLmHead(
    head: Float32Array | undefined,
    wte: Float32Array,
    raw: Record<string, unknown>,
    path: string,
): void {
    if (!head || raw.tie_word_embeddings !== false) return;
    const same =
        head.length === wte.length &&
        head.every((v, i) => v === wte[i] || (Number.isNaN(v) && Number.isNaN(wte[i])));
    if (!same) {
        // Limitation: models with an untied output head are not supported.
        throw new UserError(
            `${path}: lm_head.weight differs from transformer.wte.weight (tie_word_embeddings false); LM Lab needs a tied head`,
        );
    }
}

/**
 * The index of the first NaN or infinity in `data`, or -1. The common all-finite case is one
 * branch-free pass: `x * 0` is 0 for every finite x and NaN otherwise, so the sum says whether
 * a search is needed at all.
 */
export function nonFiniteIndex(data: Float32Array): number {
    let probe = 0;
    for (let i = 0; i < data.length; i++) probe += data[i] * 0;
    if (probe === 0) return -1;
    return data.findIndex((x) => !Number.isFinite(x));
}

/** A diverged training run saves NaN or infinite weights; such a model cannot be analysed. */
function checkFinite(weights: Map<string, Float32Array>, weightsPath: string): void {
    for (const [name, data] of weights) {
        const index = nonFiniteIndex(data);
        if (index >= 0) {
            throw new UserError(
                `${weightsPath}: tensor "${name}" holds ${data[index]} at element ${index}; ` +
                    "the weights must be finite (was the model saved from a diverged run?)",
            );
        }
    }
}
