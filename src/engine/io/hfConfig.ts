// Converts between LM Lab's GptConfig (nanoGPT names) and a Hugging Face GPT-2 `config.json`.
// Hugging Face keys carry what both understand; LM Lab's extras (bias-free layers, dropout,
// attention pattern, objective) live under an `lm_lab` key that Hugging Face ignores.

import type { GptConfig } from "../types";
import { UserError } from "../types";

/** The `lm_lab` section of a config.json. */
export interface LmLabConfigExtras {
    bias: boolean;
    dropout: number;
    attention: GptConfig["attention"];
    objective: GptConfig["objective"];
}

/** Extra Hugging Face fields to write (token ids, dtype). */
export interface HfConfigOptions {
    bosTokenId?: number;
    eosTokenId?: number;
    torchDtype?: "float32" | "float16";
}

/**
 * Reads a GPT-2 `config.json` document. Throws `UserError` (naming `source`) for another
 * architecture, missing or invalid sizes, and GPT-2 variants whose arithmetic LM Lab does not
 * implement (scaled-by-layer attention, unscaled attention, cross-attention, custom n_inner).
 */
export function gptConfigFromHf(json: unknown, source = "config.json"): GptConfig {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
        throw new UserError(`${source}: expected a JSON object`);
    }
    const raw = json as Record<string, unknown>;
    const extras = raw.lm_lab as Partial<LmLabConfigExtras> | undefined;
    checkArchitecture(raw, source, extras !== undefined);

    const size = (key: string, ...alternatives: string[]): number => {
        for (const name of [key, ...alternatives]) {
            const value = raw[name];
            if (value === undefined || value === null) continue;
            if (!Number.isInteger(value) || (value as number) <= 0) {
                throw new UserError(
                    `${source}: ${name} must be a positive integer, found ${JSON.stringify(value)}`,
                );
            }
            return value as number;
        }
        throw new UserError(`${source}: missing ${[key, ...alternatives].join(" or ")}`);
    };
    const nEmbd = size("n_embd", "hidden_size");
    const nHead = size("n_head", "num_attention_heads");
    if (nEmbd % nHead !== 0) {
        throw new UserError(`${source}: n_embd ${nEmbd} is not divisible by n_head ${nHead}`);
    }
    if (raw.n_inner !== undefined && raw.n_inner !== null && raw.n_inner !== 4 * nEmbd) {
        throw new UserError(
            `${source}: n_inner ${JSON.stringify(raw.n_inner)} is not supported (LM Lab's MLP is 4 * n_embd = ${4 * nEmbd})`,
        );
    }
    const epsilon = raw.layer_norm_epsilon ?? 1e-5;
    if (typeof epsilon !== "number" || !(epsilon > 0)) {
        throw new UserError(
            `${source}: layer_norm_epsilon must be a positive number, found ${JSON.stringify(epsilon)}`,
        );
    }
    const dropout = extras?.dropout ?? raw.resid_pdrop ?? 0;
    if (typeof dropout !== "number" || dropout < 0 || dropout >= 1) {
        throw new UserError(
            `${source}: dropout must be in [0, 1), found ${JSON.stringify(dropout)}`,
        );
    }
    return {
        n_layer: size("n_layer", "num_hidden_layers"),
        n_head: nHead,
        n_embd: nEmbd,
        block_size: size("n_positions", "n_ctx"),
        vocab_size: size("vocab_size"),
        dropout,
        bias: checkedBoolean(extras?.bias ?? true, "lm_lab.bias", source),
        layer_norm_epsilon: epsilon,
        activation: activationFrom(raw.activation_function, source),
        attention: checkedChoice(
            extras?.attention ?? "causal",
            ["causal", "bidirectional"],
            "lm_lab.attention",
            source,
        ),
        objective: checkedChoice(
            extras?.objective ?? "clm",
            ["clm", "mlm"],
            "lm_lab.objective",
            source,
        ),
    };
}

/** Writes a Hugging Face GPT-2 `config.json` document for `config`, with the `lm_lab` extras. */
export function gptConfigToHf(
    config: GptConfig,
    options: HfConfigOptions = {},
): Record<string, unknown> {
    const extras: LmLabConfigExtras = {
        bias: config.bias,
        dropout: config.dropout,
        attention: config.attention,
        objective: config.objective,
    };
    return {
        activation_function: config.activation,
        architectures: ["GPT2LMHeadModel"],
        attn_pdrop: config.dropout,
        bos_token_id: options.bosTokenId ?? null,
        embd_pdrop: config.dropout,
        eos_token_id: options.eosTokenId ?? null,
        initializer_range: 0.02,
        layer_norm_epsilon: config.layer_norm_epsilon,
        lm_lab: extras,
        model_type: "gpt2",
        n_ctx: config.block_size,
        n_embd: config.n_embd,
        n_head: config.n_head,
        n_inner: null,
        n_layer: config.n_layer,
        n_positions: config.block_size,
        reorder_and_upcast_attn: false,
        resid_pdrop: config.dropout,
        scale_attn_by_inverse_layer_idx: false,
        scale_attn_weights: true,
        tie_word_embeddings: true,
        torch_dtype: options.torchDtype ?? "float32",
        use_cache: true,
        vocab_size: config.vocab_size,
    };
}

// ---------------------------------------------------------------------------------------------

function checkArchitecture(raw: Record<string, unknown>, source: string, fromLmLab: boolean): void {
    if (raw.model_type !== undefined && raw.model_type !== "gpt2") {
        throw new UserError(
            `${source}: unsupported architecture model_type ${JSON.stringify(raw.model_type)} (expected "gpt2")`,
        );
    }
    if (
        Array.isArray(raw.architectures) &&
        !fromLmLab &&
        !raw.architectures.includes("GPT2LMHeadModel")
    ) {
        throw new UserError(
            `${source}: unsupported architectures ${JSON.stringify(raw.architectures)} (expected GPT2LMHeadModel)`,
        );
    }
    const unsupported: [string, unknown, string][] = [
        ["scale_attn_by_inverse_layer_idx", true, "attention scaled by layer index"],
        ["scale_attn_weights", false, "unscaled attention"],
        ["add_cross_attention", true, "cross-attention"],
    ];
    for (const [key, value, what] of unsupported) {
        if (raw[key] === value)
            throw new UserError(`${source}: ${key} = ${value} (${what}) is not supported`);
    }
}

function activationFrom(value: unknown, source: string): GptConfig["activation"] {
    // gelu_pytorch_tanh is the same tanh approximation as gelu_new.
    if (value === undefined || value === "gelu_new" || value === "gelu_pytorch_tanh")
        return "gelu_new";
    if (value === "gelu") return "gelu";
    throw new UserError(
        `${source}: activation_function ${JSON.stringify(value)} is not supported (expected gelu_new or gelu)`,
    );
}

function checkedBoolean(value: unknown, key: string, source: string): boolean {
    if (typeof value !== "boolean")
        throw new UserError(
            `${source}: ${key} must be true or false, found ${JSON.stringify(value)}`,
        );
    return value;
}

function checkedChoice<T extends string>(
    value: unknown,
    choices: readonly T[],
    key: string,
    source: string,
): T {
    if (!choices.includes(value as T)) {
        throw new UserError(
            `${source}: ${key} must be one of ${choices.join(", ")}, found ${JSON.stringify(value)}`,
        );
    }
    return value as T;
}
