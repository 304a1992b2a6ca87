// Turning user settings into a complete, checked TrainConfig, and a TrainConfig into the
// model's GptConfig. Every check runs before a run folder is created, so a bad setting
// never leaves anything behind.

import { totalmem } from "node:os";
import type { TrainConfig } from "../../protocol";
import { UserError, type GptConfig } from "../types";
import { defaultPreset, getPreset } from "./presets";

/** The longest context a run may train with; attention grows with its square. */
export const maxBlockSize = 8192;

/** Settings as a user gives them: the corpus and folder, a preset, and single overrides. */
export type TrainSettings = Partial<TrainConfig> & Pick<TrainConfig, "out">;

/** Preset values overlaid with the explicit settings, then validated. */
export function resolveTrainConfig(settings: TrainSettings): TrainConfig {
    const presetName = settings.preset ?? defaultPreset;
    const base = getPreset(presetName);
    const explicit = Object.fromEntries(
        Object.entries(settings).filter(([, v]) => v !== undefined),
    );
    const config = {
        data: [],
        ...base,
        ...explicit,
        out: settings.out,
        preset: presetName,
    } as TrainConfig;
    validateTrainConfig(config);
    return config;
}

/** Throws a UserError naming the first setting that cannot work. */
export function validateTrainConfig(c: TrainConfig): void {
    if (!c.out || typeof c.out !== "string")
        throw new UserError("The run folder (out) is missing.");
    if (!Array.isArray(c.data)) throw new UserError("data must be a list of files.");
    if (c.data.length === 0 && !c.text) {
        throw new UserError("No training text: give at least one data file or some inline text.");
    }
    if (c.tokenizer !== "char" && c.tokenizer !== "bpe") {
        throw new UserError(`tokenizer must be "char" or "bpe", found "${String(c.tokenizer)}".`);
    }
    if (c.objective !== "clm" && c.objective !== "mlm") {
        throw new UserError(`objective must be "clm" or "mlm", found "${String(c.objective)}".`);
    }
    for (const key of [
        "n_layer",
        "n_head",
        "n_embd",
        "block_size",
        "batch_size",
        "max_iters",
    ] as const) {
        positiveInteger(key, c[key]);
    }
    for (const key of ["eval_interval", "eval_iters", "checkpoint_interval"] as const) {
        positiveInteger(key, c[key]);
    }
    nonNegativeInteger("warmup_iters", c.warmup_iters);
    integer("seed", c.seed);
    if (c.n_embd % c.n_head !== 0) {
        throw new UserError(
            `n_embd (${c.n_embd}) must be divisible by n_head (${c.n_head}): each head gets n_embd / n_head channels.`,
        );
    }
    if (c.tokenizer === "bpe") {
        const vocab = c.bpeVocabSize ?? 0;
        positiveInteger("bpeVocabSize", vocab);
        if (vocab < 257) {
            throw new UserError(
                `bpeVocabSize must be at least 257 (256 bytes plus a special token), found ${vocab}.`,
            );
        }
    }
    positiveFinite("lr", c.lr);
    if (!Number.isFinite(c.min_lr) || c.min_lr < 0) {
        throw new UserError(`min_lr must be a finite number >= 0, found ${c.min_lr}.`);
    }
    if (c.min_lr > c.lr) throw new UserError(`min_lr (${c.min_lr}) must not exceed lr (${c.lr}).`);
    inRange("dropout", c.dropout, 0, 1, false);
    inRange("beta1", c.beta1, 0, 1, false);
    inRange("beta2", c.beta2, 0, 1, false);
    if (!Number.isFinite(c.weight_decay) || c.weight_decay < 0) {
        throw new UserError(`weight_decay must be a finite number >= 0, found ${c.weight_decay}.`);
    }
    positiveFinite("grad_clip", c.grad_clip);
    if (typeof c.bias !== "boolean")
        throw new UserError(`bias must be true or false, found ${String(c.bias)}.`);
    if (c.threads !== undefined) nonNegativeInteger("threads", c.threads);
    if (c.block_size > maxBlockSize) {
        throw new UserError(
            `block_size must be at most ${maxBlockSize}, found ${c.block_size}: attention memory grows with its square.`,
        );
    }
    const needed = trainingMemoryEstimate(c);
    if (needed > totalmem()) {
        throw new UserError(
            `These sizes need about ${gib(needed)} GiB of memory to train (batch_size ${c.batch_size}, ` +
                `block_size ${c.block_size}, n_layer ${c.n_layer}, n_head ${c.n_head}, n_embd ${c.n_embd}); ` +
                `this machine has ${gib(totalmem())} GiB. Use smaller values.`,
        );
    }
}

/**
 * A lower bound on the bytes one training step keeps alive, vocabulary aside: per layer the
 * attention scores and probabilities (B·H·T² each, kept for the backward pass) and about 16
 * activations of B·T·C; and the weights with their gradients and two AdamW moments.
 */
export function trainingMemoryEstimate(c: TrainConfig): number {
    const [B, T, C, H, L] = [c.batch_size, c.block_size, c.n_embd, c.n_head, c.n_layer];
    const activations = L * (2 * B * H * T * T + 16 * B * T * C);
    const weights = L * 12 * C * C + T * C;
    return 4 * (activations + 4 * weights);
}

/** The model a run trains, once the tokenizer (and so the vocabulary size) is known. */
export function modelConfigFor(c: TrainConfig, vocabSize: number): GptConfig {
    return {
        n_layer: c.n_layer,
        n_head: c.n_head,
        n_embd: c.n_embd,
        block_size: c.block_size,
        vocab_size: vocabSize,
        dropout: c.dropout,
        bias: c.bias,
        layer_norm_epsilon: 1e-5,
        // nanoGPT and the PyTorch reference use the exact (erf) GELU.
        activation: "gelu",
        attention: c.objective === "mlm" ? "bidirectional" : "causal",
        objective: c.objective,
    };
}

function gib(bytes: number): string {
    return (bytes / 2 ** 30).toFixed(1);
}

function integer(name: string, value: number): void {
    if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new UserError(`${name} must be an integer, found ${String(value)}.`);
    }
}

function positiveInteger(name: string, value: number): void {
    integer(name, value);
    if (value < 1) throw new UserError(`${name} must be at least 1, found ${value}.`);
}

function nonNegativeInteger(name: string, value: number): void {
    integer(name, value);
    if (value < 0) throw new UserError(`${name} must be 0 or more, found ${value}.`);
}

function positiveFinite(name: string, value: number): void {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        throw new UserError(`${name} must be a finite number > 0, found ${String(value)}.`);
    }
}

function inRange(name: string, value: number, lo: number, hi: number, hiIncluded: boolean): void {
    const ok = typeof value === "number" && value >= lo && (hiIncluded ? value <= hi : value < hi);
    if (!ok) {
        throw new UserError(
            `${name} must be in [${lo}, ${hi}${hiIncluded ? "]" : ")"}, found ${String(value)}.`,
        );
    }
}
