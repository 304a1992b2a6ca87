// The engine's JSON-RPC surface, shared by the engine process (src/engine/server.ts) and the
// extension host's client (src/extension/engineClient.ts). Every method and notification is
// declared here once, with its parameter and result types.

import { NotificationType, RequestType } from "vscode-jsonrpc";
import type { ModelInfo } from "./engine/types";

// ---------------------------------------------------------------------------------------------
// Engine

export interface EngineInfo {
    version: string;
    ortVersion: string;
    /** Execution providers this process can use ("cpu", "webgpu", "cuda"). */
    backends: string[];
    threads: number;
    pid: number;
}

export interface EngineOptions {
    /** Intra-op threads for ORT sessions (0 = ORT's default). */
    threads: number;
    /**
     * Execution provider preference, e.g. ["cuda", "cpu"], each one of executionProviderNames.
     * A provider that fails to initialise falls back to the CPU; absent or [] means the CPU.
     */
    executionProviders?: string[];
}

/** The execution providers EngineOptions may name. */
export const executionProviderNames = ["cuda", "webgpu", "cpu"] as const;
export type ExecutionProviderName = (typeof executionProviderNames)[number];

// ---------------------------------------------------------------------------------------------
// Analysis

export interface TopToken {
    id: number;
    /** Decoded text of the token (may contain U+FFFD for a partial character). */
    text: string;
    prob: number;
    /** The token's bytes in hex ("f09f"), present only when `text` holds U+FFFD. */
    bytes?: string;
}

export interface TokenAnalysis {
    id: number;
    text: string;
    /** The token's bytes in hex ("f09f"), present only when `text` holds U+FFFD. */
    bytes?: string;
    /** UTF-16 offsets into the analysed text. */
    start: number;
    end: number;
    /** Natural log P(token | prefix); null for the first token, which has no prefix. */
    logprob: number | null;
    prob: number | null;
    /** 1 = most likely; null when unconditioned. */
    rank: number | null;
    /** -log2 P; null when unconditioned. */
    surprisal: number | null;
    /** Entropy in nats of the distribution this token was drawn from; null when unconditioned. */
    entropy: number | null;
    /** Top-k of that distribution. Empty when unconditioned. */
    topk: TopToken[];
    special: boolean;
    /** Number of preceding tokens the model saw (less than the context when the window slid). */
    context: number;
    /** True when the sliding window gave this token less than the full context. */
    truncatedContext: boolean;
}

/** A whole character (or more) made of one or more tokens; byte-level BPE can split characters. */
export interface DisplayUnit {
    start: number;
    end: number;
    text: string;
    /** Indices into `tokens`. */
    tokens: number[];
    /** Sum of the tokens' log-probs (product of probabilities); null if any part is unconditioned. */
    logprob: number | null;
}

export interface AnalyzeResult {
    model: string;
    text: string;
    tokens: TokenAnalysis[];
    units: DisplayUnit[];
    /** Chain rule: sum of conditioned log-probs (nats). */
    logLikelihood: number;
    /** Number of conditioned tokens. */
    scored: number;
    perplexity: number;
    bitsPerChar: number;
    /** Characters (code points) analysed. */
    chars: number;
    contextLength: number;
    /** Tokens that had less than the full context because of the sliding window (beyond the first window). */
    truncatedTokens: number;
    /** True when the input was longer than `maxTokens` and was cut. */
    cut: boolean;
}

export interface AnalyzeParams {
    text: string;
    topK?: number;
    maxTokens?: number;
}

export interface NextTokenParams {
    prefix: string;
    k?: number;
}

export interface NextTokenResult {
    top: TopToken[];
    entropy: number;
    /** Tokens of the prefix that the model conditioned on. */
    contextTokens: number;
}

export interface AttentionParams {
    text: string;
    /** Layers / heads to return in full; default all. */
    layers?: number[];
    heads?: number[];
    /** Also return pre-softmax scores. */
    scores?: boolean;
    maxTokens?: number;
    /** When set, return a size x size max-pooled thumbnail of every head instead of nothing. */
    thumbnailSize?: number;
}

export interface AttentionResult {
    model: string;
    tokens: { id: number; text: string; start: number; end: number }[];
    /** How many tokens the whole text has; more than `tokens.length` when the text was cut. */
    totalTokens?: number;
    nLayer: number;
    nHead: number;
    /** Mean over queries of each head's attention entropy (nats), [layer][head]. */
    entropy: number[][];
    /** Full matrices for the requested layers and heads. Base64 of little-endian float32 [T][T]. */
    heads: { layer: number; head: number; probs: string; scores?: string }[];
    /** Base64 of uint8 [layer][head][size][size], when thumbnailSize was given. */
    thumbnails?: { size: number; data: string };
    /** Why there is no attention (ONNX model with fused attention), if so. */
    note?: string;
}

export interface GenerateParams {
    prompt: string;
    maxTokens?: number;
    temperature?: number;
    topK?: number;
    topP?: number;
    seed?: number;
    /** Correlates generate/token notifications. */
    requestId: string;
}

export interface GenerateResult {
    text: string;
    tokens: number[];
    stopped: "length" | "eos" | "cancelled" | "context";
}

// ---------------------------------------------------------------------------------------------
// Training

export interface TrainConfig {
    /** Text files the corpus is made of. */
    data: string[];
    /** Inline text (e.g. an editor selection) instead of, or besides, files. */
    text?: string;
    /** Run folder to create. */
    out: string;
    preset?: string;
    tokenizer: "char" | "bpe";
    bpeVocabSize?: number;
    objective: "clm" | "mlm";
    n_layer: number;
    n_head: number;
    n_embd: number;
    block_size: number;
    batch_size: number;
    dropout: number;
    bias: boolean;
    lr: number;
    min_lr: number;
    warmup_iters: number;
    max_iters: number;
    weight_decay: number;
    beta1: number;
    beta2: number;
    grad_clip: number;
    eval_interval: number;
    eval_iters: number;
    checkpoint_interval: number;
    seed: number;
    threads?: number;
}

export type RunState = "starting" | "running" | "paused" | "stopped" | "finished" | "failed";

export interface TrainProgress {
    runId: string;
    step: number;
    maxIters: number;
    loss: number;
    lr: number;
    gradNorm: number;
    tokensPerSec: number;
    msPerIter: number;
    etaSec: number;
    elapsedSec: number;
}

export interface EvalPoint {
    runId: string;
    step: number;
    trainLoss: number;
    valLoss: number;
    valPerplexity: number;
    valBitsPerChar: number;
}

export interface RunStateEvent {
    runId: string;
    state: RunState;
    message?: string;
}

export interface RunSummary {
    runId: string;
    dir: string;
    state: RunState;
    step: number;
    maxIters: number;
    config: TrainConfig;
    lastLoss?: number;
    lastValLoss?: number;
    createdAt: string;
    /** True when a checkpoint exists, so the run can be resumed or loaded. */
    hasCheckpoint: boolean;
    /**
     * True when run.json still says the run is live but no process holds it: its trainer ended
     * without recording so (a crash, a reload). Such a run is listed as "stopped".
     */
    interrupted?: boolean;
}

/** One line of a run's metrics log (metrics.jsonl). */
export type MetricsRecord =
    | ({ kind: "train" } & Omit<TrainProgress, "runId">)
    | ({ kind: "eval" } & Omit<EvalPoint, "runId">)
    | { kind: "event"; step: number; message: string };

// ---------------------------------------------------------------------------------------------
// Methods

export namespace Methods {
    export const initialize = new RequestType<EngineOptions, EngineInfo, void>("engine/initialize");
    export const shutdown = new RequestType<void, void, void>("engine/shutdown");

    export const loadModel = new RequestType<{ path: string }, ModelInfo, void>("model/load");
    export const modelInfo = new RequestType<void, ModelInfo | null, void>("model/info");
    export const analyze = new RequestType<AnalyzeParams, AnalyzeResult, void>("model/analyze");
    export const nextToken = new RequestType<NextTokenParams, NextTokenResult, void>("model/nextToken");
    export const attention = new RequestType<AttentionParams, AttentionResult, void>("model/attention");
    export const generate = new RequestType<GenerateParams, GenerateResult, void>("model/generate");
    export const exportModel = new RequestType<{ format: "hf" | "onnx"; out: string }, { path: string }, void>(
        "model/export",
    );

    export const startRun = new RequestType<TrainConfig, RunSummary, void>("train/start");
    /** Resumes a stopped or interrupted run from its last checkpoint. */
    export const resumeRun = new RequestType<{ dir: string; maxIters?: number }, RunSummary, void>("train/resumeFromCheckpoint");
    export const pauseRun = new RequestType<{ runId: string }, void, void>("train/pause");
    export const continueRun = new RequestType<{ runId: string }, void, void>("train/continue");
    export const stopRun = new RequestType<{ runId: string }, void, void>("train/stop");
    export const evaluateRun = new RequestType<{ dir: string; evalIters?: number }, EvalPoint, void>("train/evaluate");
    export const listRuns = new RequestType<{ root: string }, RunSummary[], void>("runs/list");
    export const runMetrics = new RequestType<{ dir: string }, MetricsRecord[], void>("runs/metrics");
}

export namespace Notifications {
    export const progress = new NotificationType<TrainProgress>("train/progress");
    export const evaluation = new NotificationType<EvalPoint>("train/eval");
    export const runState = new NotificationType<RunStateEvent>("train/state");
    export const generated = new NotificationType<{ requestId: string; text: string; id: number }>("generate/token");
    export const log = new NotificationType<{ level: "info" | "warn" | "error"; message: string }>("engine/log");
}
