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

export type NumberField = Exclude<keyof TrainForm, "source" | "files" | "tokenizer">;

/** The form's label for each field, used by the form and in every validation message. */
export const trainFormLabels: Record<keyof TrainForm, string> = {
    source: "Data",
    files: "Files",
    tokenizer: "Tokenizer",
    bpeVocabSize: "BPE vocabulary size",
    n_layer: "Layers",
    n_head: "Heads",
    n_embd: "Embedding size",
    block_size: "Context (tokens)",
    batch_size: "Batch size",
    lr: "Learning rate",
    max_iters: "Iterations",
    dropout: "Dropout",
    weight_decay: "Weight decay",
};

/**
 * Accepted ranges; small enough that a run stays interactive on a laptop CPU. The context limit
 * is the engine's (maxBlockSize in src/engine/train/config.ts, which the webview cannot import
 * because it pulls in Node modules; a unit test keeps the two equal).
 */
export const trainFormRanges: Record<NumberField, Range> = {
    bpeVocabSize: { min: 260, max: 50_000, integer: true },
    n_layer: { min: 1, max: 24, integer: true },
    n_head: { min: 1, max: 32, integer: true },
    n_embd: { min: 8, max: 2048, integer: true },
    block_size: { min: 8, max: 8192, integer: true },
    batch_size: { min: 1, max: 1024, integer: true },
    lr: { min: 1e-6, max: 1, integer: false },
    max_iters: { min: 1, max: 1_000_000, integer: true },
    dropout: { min: 0, max: 0.9, integer: false },
    weight_decay: { min: 0, max: 10, integer: false },
};

/** Field name to message, empty when the form is valid. */
export type FormErrors = Partial<Record<keyof TrainForm, string>>;

/**
 * Checks each field against its range. `entered` holds the text typed into number fields, so a
 * value that is not a number is quoted as the user wrote it (the form itself only holds NaN).
 */
export function validateTrainForm(
    form: TrainForm,
    entered: Partial<Record<NumberField, string>> = {},
): FormErrors {
    const errors: FormErrors = {};
    for (const [key, range] of Object.entries(trainFormRanges) as [NumberField, Range][]) {
        const label = trainFormLabels[key];
        const value = form[key];
        if (typeof value !== "number" || !Number.isFinite(value)) {
            const text = (entered[key] ?? "").trim();
            const span = `${formatNumber(range.min)} to ${formatNumber(range.max)}`;
            errors[key] = text === ""
                ? `${label} is empty: enter a number from ${span}`
                : `${label} must be a number, got "${text}"`;
        } else if (range.integer && !Number.isInteger(value)) {
            errors[key] = `${label} must be a whole number, got ${formatNumber(value)}`;
        } else if (value < range.min || value > range.max) {
            errors[key] =
                `${label} must be between ${formatNumber(range.min)} and ${formatNumber(range.max)}, ` +
                `got ${formatNumber(value)}`;
        }
    }
    if (!errors.n_embd && !errors.n_head && form.n_embd % form.n_head !== 0) {
        errors.n_embd =
            `${trainFormLabels.n_embd} must be a multiple of ${trainFormLabels.n_head} ` +
            `(${form.n_head}), got ${form.n_embd}`;
    }
    if (form.tokenizer !== "char" && form.tokenizer !== "bpe") {
        errors.tokenizer =
            `${trainFormLabels.tokenizer} must be "char" or "bpe", got ${String(form.tokenizer)}`;
    }
    if (!["file", "selection", "workspace", "browse"].includes(form.source)) {
        errors.source = `${trainFormLabels.source}: unknown source ${String(form.source)}`;
    } else if (form.source === "browse" && form.files.length === 0) {
        errors.files = "Choose at least one file";
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

/**
 * A value as the user would type it: whole numbers in full (100000, not 1e5), fractions with
 * up to six significant digits, and exponents only where plain digits would be unreadable.
 */
function formatNumber(v: number): string {
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-6 || a >= 1e15)) return v.toExponential();
    return String(Number(v.toPrecision(6)));
}
