// Named training recipes. A preset fills every hyper-parameter of a run; explicit settings
// (CLI flags, dashboard fields) override single values on top of it.

import type { TrainConfig } from "../../protocol";
import { UserError } from "../types";

/** Everything a preset decides; the corpus (`data`, `text`) and the run folder (`out`) are not. */
export type TrainHyperParams = Omit<TrainConfig, "data" | "text" | "out" | "preset" | "threads">;

/**
 * nanoGPT's CPU recipe for tinyshakespeare (character level): about 0.8 M parameters, which
 * reaches a validation loss near 1.88 in 2,000 iterations.
 */
const nanogptCpu: TrainHyperParams = {
    tokenizer: "char",
    objective: "clm",
    n_layer: 4,
    n_head: 4,
    n_embd: 128,
    block_size: 64,
    batch_size: 12,
    dropout: 0,
    bias: false,
    lr: 1e-3,
    min_lr: 1e-4,
    warmup_iters: 100,
    max_iters: 2000,
    weight_decay: 0.1,
    beta1: 0.9,
    beta2: 0.99,
    grad_clip: 1.0,
    eval_interval: 250,
    eval_iters: 20,
    checkpoint_interval: 500,
    seed: 1337,
};

export const presets: Record<string, TrainHyperParams> = {
    "nanogpt-cpu": nanogptCpu,
    /** A model small enough for tests and for a first look: trains in seconds. */
    tiny: {
        ...nanogptCpu,
        n_layer: 2,
        n_head: 2,
        n_embd: 32,
        block_size: 16,
        batch_size: 4,
        lr: 3e-3,
        min_lr: 3e-4,
        warmup_iters: 5,
        max_iters: 60,
        eval_interval: 20,
        eval_iters: 4,
        checkpoint_interval: 20,
    },
    /** A larger character model with dropout, for a few minutes to an hour of CPU. */
    small: {
        ...nanogptCpu,
        n_layer: 6,
        n_head: 6,
        n_embd: 192,
        block_size: 128,
        batch_size: 16,
        dropout: 0.1,
        warmup_iters: 200,
        max_iters: 5000,
        eval_interval: 500,
        eval_iters: 50,
        checkpoint_interval: 500,
    },
    /** Byte-level BPE with a 2,048-token vocabulary: each position sees about 3-4 characters. */
    "bpe-small": {
        ...nanogptCpu,
        tokenizer: "bpe",
        bpeVocabSize: 2048,
        block_size: 128,
        max_iters: 3000,
        eval_iters: 50,
    },
};

export const defaultPreset = "nanogpt-cpu";

/** The named preset, or a UserError listing the known names. */
export function getPreset(name: string): TrainHyperParams {
    const preset = presets[name];
    if (!preset) {
        throw new UserError(
            `Unknown preset "${name}". Known presets: ${Object.keys(presets).join(", ")}.`,
        );
    }
    return { ...preset };
}
