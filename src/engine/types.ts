// Contracts shared by the engine's modules: tokenizers, model configuration and the
// language-model interface that analysis runs on. Nothing here imports ONNX Runtime.

/** A tokenizer's output for one text. No special tokens are added by `encode`. */
export interface Encoding {
    ids: number[];
    /** [start, end) into the UTF-8 bytes of the text; they tile the text exactly. */
    byteOffsets: [number, number][];
    /**
     * [start, end) in UTF-16 code units, the unit editors use. A token that starts or ends
     * inside a multi-byte character is widened to the whole character, so neighbours that
     * share a character overlap.
     */
    offsets: [number, number][];
}

export type TokenizerKind = "char" | "bpe" | "hf";

export interface Tokenizer {
    readonly kind: TokenizerKind;
    readonly vocabSize: number;
    /** Ids of special tokens (BOS/EOS/PAD/MASK…); never produced from plain text by accident. */
    readonly specialIds: ReadonlySet<number>;
    readonly bosId?: number;
    readonly eosId?: number;
    readonly maskId?: number;
    encode(text: string): Encoding;
    /** Decodes ids to text; bytes that do not form whole characters become U+FFFD. */
    decode(ids: readonly number[]): string;
    /** The raw bytes a token stands for (a special token yields its literal text). */
    tokenBytes(id: number): Uint8Array;
    /** The vocabulary string (e.g. "Ġthe" for byte-level BPE). */
    tokenString(id: number): string;
    /** A Hugging Face `tokenizer.json` document describing this tokenizer. */
    toJSON(): object;
}

/**
 * GPT (and masked-LM) architecture hyper-parameters, named as in nanoGPT. `config.json`
 * files on disk use Hugging Face GPT-2 names; see io/hfConfig for the mapping.
 */
export interface GptConfig {
    n_layer: number;
    n_head: number;
    n_embd: number;
    block_size: number;
    vocab_size: number;
    dropout: number;
    /** Biases in Linear layers (LayerNorm always has a bias). */
    bias: boolean;
    layer_norm_epsilon: number;
    /** "gelu_new": tanh approximation (GPT-2); "gelu": exact, with erf (nanoGPT/PyTorch). */
    activation: "gelu_new" | "gelu";
    /** "causal" for GPT; "bidirectional" for masked LMs. Sparse patterns extend this. */
    attention: "causal" | "bidirectional";
    /** Training objective: next-token ("clm") or masked-token ("mlm"). */
    objective: "clm" | "mlm";
}

/** Which optional tensors a forward pass returns. Attentions are layers x heads x T^2: ask only for what is shown. */
export interface ForwardOptions {
    logits?: boolean; // default true
    /** Attention probabilities for these layers (all when `true`). */
    attentions?: boolean | number[];
    /** Pre-softmax scores QK^T/sqrt(d_k), masked entries at -Infinity, for the same layers. */
    scores?: boolean;
    /** Hidden states after each layer (index 0 = embeddings). */
    hidden?: boolean;
}

export interface ForwardResult {
    /** [T, V] row-major. Row t predicts token t+1 (causal models) or token t (masked models). */
    logits?: Float32Array;
    /** Per requested layer: [H, T, T] row-major (query rows, key columns). */
    attentions?: Map<number, Float32Array>;
    scores?: Map<number, Float32Array>;
    /** Per layer index 0..n_layer: [T, C]. */
    hidden?: Float32Array[];
}

export type ModelKind = "lmlab" | "hf" | "onnx";

export interface ModelInfo {
    kind: ModelKind;
    /** Folder or .onnx file it was loaded from. */
    path: string;
    name: string;
    vocabSize: number;
    contextLength: number;
    nLayer: number;
    nHead: number;
    nEmbd?: number;
    nParams?: number;
    objective: "clm" | "mlm";
    /** False for ONNX exports whose attention could not be located (fused attention ops). */
    hasAttention: boolean;
    /** Why attention is unavailable, when it is. */
    attentionNote?: string;
}

/** What analysis needs from a model, whatever its kind. */
export interface LanguageModel {
    readonly info: ModelInfo;
    readonly tokenizer: Tokenizer;
    /** Runs one sequence of at most `info.contextLength` ids. */
    forward(ids: readonly number[], options?: ForwardOptions): Promise<ForwardResult>;
    dispose(): Promise<void>;
}

/** An error whose message is meant for the user as it is (bad input, bad file). */
export class UserError extends Error {
    constructor(message: string, readonly code: string = "E_USER") {
        super(message);
        this.name = "UserError";
    }
}
