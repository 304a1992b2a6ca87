// The command-line flags of `lm-lab train`, `resume`, `eval` and `bench`, and their mapping
// onto TrainConfig fields. Flags left out keep the preset's values.

import type { TrainConfig } from "../protocol";
import type { OptionSpec } from "./args";
import { outputOptions, runtimeOptions } from "./runtimeOptions";

/** Flags that set one TrainConfig field each (key = the field). */
export const hyperParameterOptions: OptionSpec[] = [
    {
        name: "tokenizer",
        kind: "choice",
        choices: ["char", "bpe"],
        help: "character-level or byte-level BPE tokenizer",
    },
    { name: "vocab-size", key: "bpeVocabSize", kind: "int", help: "BPE vocabulary size" },
    {
        name: "objective",
        kind: "choice",
        choices: ["clm", "mlm"],
        help: "next-token (clm) or masked-token (mlm) training",
    },
    { name: "n-layer", key: "n_layer", kind: "int", help: "transformer blocks" },
    { name: "n-head", key: "n_head", kind: "int", help: "attention heads per block" },
    { name: "n-embd", key: "n_embd", kind: "int", help: "channels (a multiple of --n-head)" },
    { name: "block-size", key: "block_size", kind: "int", help: "context length in tokens" },
    { name: "batch-size", key: "batch_size", kind: "int", help: "sequences per step" },
    { name: "dropout", kind: "number", help: "dropout probability in [0, 1)" },
    { name: "bias", kind: "boolean", negatable: true, help: "biases in Linear layers" },
    { name: "lr", kind: "number", help: "peak learning rate" },
    {
        name: "min-lr",
        key: "min_lr",
        kind: "number",
        help: "learning rate at the end of the cosine decay",
    },
    { name: "warmup-iters", key: "warmup_iters", kind: "int", help: "linear warm-up iterations" },
    {
        name: "iters",
        key: "max_iters",
        kind: "int",
        help: "training iterations (also --max-iters)",
    },
    { name: "max-iters", key: "max_iters", kind: "int", help: "same as --iters" },
    {
        name: "weight-decay",
        key: "weight_decay",
        kind: "number",
        help: "AdamW weight decay on matrices",
    },
    { name: "beta1", kind: "number", help: "AdamW beta1" },
    { name: "beta2", kind: "number", help: "AdamW beta2" },
    {
        name: "grad-clip",
        key: "grad_clip",
        kind: "number",
        help: "clip the global gradient norm to this",
    },
    { name: "eval-interval", key: "eval_interval", kind: "int", help: "steps between evaluations" },
    { name: "eval-iters", key: "eval_iters", kind: "int", help: "batches per evaluation" },
    {
        name: "checkpoint-interval",
        key: "checkpoint_interval",
        kind: "int",
        help: "steps between checkpoints",
    },
    { name: "seed", kind: "int", help: "random seed (initialisation, batches, dropout)" },
];

export const commonOptions: OptionSpec[] = [
    ...runtimeOptions,
    ...outputOptions("print JSON lines on stdout instead of a progress bar"),
];

export const corpusOptions: OptionSpec[] = [
    {
        name: "preset",
        kind: "string",
        help: "recipe to start from (nanogpt-cpu, tiny, small, bpe-small)",
    },
    { name: "data", kind: "strings", help: "text file(s) to train on" },
    { name: "text", kind: "string", help: "inline training text (besides or instead of --data)" },
];

/** The TrainConfig fields set by parsed options. */
export function trainSettingsFrom(options: Record<string, unknown>): Partial<TrainConfig> {
    const settings: Record<string, unknown> = {};
    for (const spec of [...hyperParameterOptions, ...corpusOptions]) {
        const key = spec.key ?? spec.name;
        if (options[key] !== undefined) settings[key] = options[key];
    }
    if (options.threads !== undefined) settings.threads = options.threads;
    return settings as Partial<TrainConfig>;
}
