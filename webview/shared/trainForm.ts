// The training form's fields, defaults and validation, shared by the dashboard webview (which
// shows the messages beside each field) and the extension host (which checks again before
// starting a run, since a webview message is untrusted input).

import type { TrainConfig } from "../../src/protocol";

export type DataSource = "file" | "selection" | "workspace" | "browse";

export interface TrainForm {
    source: DataSource;
    /** Files chosen with "browse" (absolute paths). */
    files: string[];
    tokenizer: "char" | "bpe";
    bpeVocabSize: number;
    n_layer: number;
    n_head: number;
    n_embd: number;
    block_size: number;
    batch_size: number;
    lr: number;
    max_iters: number;
    dropout: number;
    weight_decay: number;
}

export const defaultTrainForm: TrainForm = {
    source: "file",
    files: [],
    tokenizer: "char",
    bpeVocabSize: 512,
    n_layer: 2,
    n_head: 4,
    n_embd: 64,
    block_size: 64,
    batch_size: 16,
    lr: 1e-3,
    max_iters: 500,
    dropout: 0,
    weight_decay: 0.1,
};

interface Range {
    min: number;
    max: number;
    integer: boolean;
}

/** Accepted ranges; small enough that a run stays interactive on a laptop CPU. */
export const trainFormRanges: Record<Exclude<keyof TrainForm, "source" | "files" | "tokenizer">, Range> = {
    bpeVocabSize: { min: 260, max: 50_000, integer: true },
    n_layer: { min: 1, max: 24, integer: true },
    n_head: { min: 1, max: 32, integer: true },
    n_embd: { min: 8, max: 2048, integer: true },
    block_size: { min: 8, max: 4096, integer: true },
    batch_size: { min: 1, max: 1024, integer: true },
    lr: { min: 1e-6, max: 1, integer: false },
    max_iters: { min: 1, max: 1_000_000, integer: true },
    dropout: { min: 0, max: 0.9, integer: false },
    weight_decay: { min: 0, max: 10, integer: false },
};

/** Field name to message, empty when the form is valid. */
export type FormErrors = Partial<Record<keyof TrainForm, string>>;

export function validateTrainForm(form: TrainForm): FormErrors {
    const errors: FormErrors = {};
    for (const [key, range] of Object.entries(trainFormRanges) as [keyof typeof trainFormRanges, Range][]) {
        const value = form[key];
        if (typeof value !== "number" || !Number.isFinite(value)) {
            errors[key] = `${key} must be a number`;
        } else if (range.integer && !Number.isInteger(value)) {
            errors[key] = `${key} must be a whole number, got ${value}`;
        } else if (value < range.min || value > range.max) {
            errors[key] = `${key} must be between ${range.min} and ${range.max}, got ${value}`;
        }
    }
    if (!errors.n_embd && !errors.n_head && form.n_embd % form.n_head !== 0) {
        errors.n_embd = `n_embd (${form.n_embd}) must be a multiple of n_head (${form.n_head})`;
    }
    if (form.tokenizer !== "char" && form.tokenizer !== "bpe") {
        errors.tokenizer = `tokenizer must be "char" or "bpe", got ${String(form.tokenizer)}`;
    }
    if (!["file", "selection", "workspace", "browse"].includes(form.source)) {
        errors.source = `unknown data source ${String(form.source)}`;
    } else if (form.source === "browse" && form.files.length === 0) {
        errors.files = "choose at least one file";
    }
    return errors;
}

/** The engine's run configuration for a valid form; data and output are filled by the host. */
export function trainConfigFromForm(
    form: TrainForm,
    data: { files: string[]; text?: string; out: string; threads?: number },
): TrainConfig {
    return {
        data: data.files,
        text: data.text,
        out: data.out,
        tokenizer: form.tokenizer,
        bpeVocabSize: form.tokenizer === "bpe" ? form.bpeVocabSize : undefined,
        objective: "clm",
        n_layer: form.n_layer,
        n_head: form.n_head,
        n_embd: form.n_embd,
        block_size: form.block_size,
        batch_size: form.batch_size,
        dropout: form.dropout,
        bias: true,
        lr: form.lr,
        min_lr: form.lr / 10,
        warmup_iters: Math.min(100, Math.floor(form.max_iters / 10)),
        max_iters: form.max_iters,
        weight_decay: form.weight_decay,
        beta1: 0.9,
        beta2: 0.99,
        grad_clip: 1,
        eval_interval: Math.max(10, Math.floor(form.max_iters / 20)),
        eval_iters: 10,
        checkpoint_interval: Math.max(50, Math.floor(form.max_iters / 5)),
        seed: 1337,
        threads: data.threads,
    };
}
