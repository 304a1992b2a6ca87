// The command-line flags of `lm-lab train`, `resume`, `eval` and `bench`, and their mapping
// onto TrainConfig fields. Flags left out keep the preset's values.

import type { TrainConfig } from "../protocol";
import type { OptionKind, OptionSpec } from "./args";
import { outputOptions, runtimeOptions } from "./runtimeOptions";

/** Flags that set one TrainConfig field each (key = the field). */
export const hyperParameterOptions: OptionSpec[] = [
    choice("tokenizer", ["char", "bpe"], "character-level or byte-level BPE tokenizer"),
    field("vocab-size", "bpeVocabSize", "int", "BPE vocabulary size"),
    choice("objective", ["clm", "mlm"], "next-token (clm) or masked-token (mlm) training"),
    field("n-layer", "n_layer", "int", "transformer blocks"),
    field("n-head", "n_head", "int", "attention heads per block"),
    field("n-embd", "n_embd", "int", "channels (a multiple of --n-head)"),
    field("block-size", "block_size", "int", "context length in tokens"),
    field("batch-size", "batch_size", "int", "sequences per step"),
    { name: "dropout", kind: "number", help: "dropout probability in [0, 1)" },
    { name: "bias", kind: "boolean", negatable: true, help: "biases in Linear layers" },
    { name: "lr", kind: "number", help: "peak learning rate" },
    field("min-lr", "min_lr", "number", "learning rate at the end of the cosine decay"),
    field("warmup-iters", "warmup_iters", "int", "linear warm-up iterations"),
    field("iters", "max_iters", "int", "training iterations (also --max-iters)"),
    field("max-iters", "max_iters", "int", "same as --iters"),
    field("weight-decay", "weight_decay", "number", "AdamW weight decay on matrices"),
    { name: "beta1", kind: "number", help: "AdamW beta1" },
    { name: "beta2", kind: "number", help: "AdamW beta2" },
    field("grad-clip", "grad_clip", "number", "clip the global gradient norm to this"),
    field("eval-interval", "eval_interval", "int", "steps between evaluations"),
    field("eval-iters", "eval_iters", "int", "batches per evaluation"),
    field("checkpoint-interval", "checkpoint_interval", "int", "steps between checkpoints"),
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

/** A flag whose value, one of `choices`, goes to the TrainConfig field of the same name. */
function choice(name: string, choices: readonly string[], help: string): OptionSpec {
    return { name, kind: "choice", choices, help };
}

/** A flag whose value goes to the TrainConfig field `key`. */
function field(name: string, key: string, kind: OptionKind, help: string): OptionSpec {
    return { name, key, kind, help };
}
