// The engine's analysis front: holds the active model and answers the model/* requests of
// src/protocol.ts (load, info, analyze, nextToken, attention, generate, export). The RPC server
// forwards to these methods one to one; parameter and result types are the protocol's.

import type {
    AnalyzeParams,
    AnalyzeResult,
    AttentionParams,
    AttentionResult,
    GenerateParams,
    GenerateResult,
    NextTokenParams,
    NextTokenResult,
} from "../../protocol";
import { loadModel } from "../io/loadModel";
import { log } from "../log";
import type { LanguageModel, ModelInfo } from "../types";
import { UserError } from "../types";
import { analyze } from "./analyze";
import { attention } from "./attention";
import {
    analyzeWithAttention,
    type AnalyzeWithAttentionParams,
    type AnalyzeWithAttentionResult,
} from "./combined";
import { generate } from "./generate";
import { nextToken } from "./nextToken";

export interface AnalysisServiceOptions {
    /** Intra-op threads for ORT sessions (0 = ORT's default). */
    threads?: number;
    /** Execution providers to try before the CPU, e.g. ["cuda"]; one that fails falls back. */
    executionProviders?: readonly string[];
}

export class AnalysisService {
    private model?: LanguageModel;
    private loading?: Promise<ModelInfo>;

    constructor(private readonly options: AnalysisServiceOptions = {}) {}

    /** Loads the model at `path` and makes it the active one; the previous model is released. */
    async loadModel(path: string): Promise<ModelInfo> {
        const started = performance.now();
        const loading = (async () => {
            const model = await loadModel(path, {
                threads: this.options.threads,
                executionProviders: this.options.executionProviders,
            });
            const previous = this.model;
            this.model = model;
            if (previous) await previous.dispose();
            log.info(`loaded ${model.info.kind} model ${model.info.path} in ${(performance.now() - started).toFixed(0)} ms`);
            return model.info;
        })();
        this.loading = loading;
        try {
            return await loading;
        } finally {
            if (this.loading === loading) this.loading = undefined;
        }
    }

    /** The active model's description, or null when none is loaded. */
    info(): ModelInfo | null {
        return this.model?.info ?? null;
    }

    /** The active model, for in-process callers (CLI, benchmarks). */
    activeModel(): LanguageModel {
        return this.require();
    }

    async analyze(params: AnalyzeParams): Promise<AnalyzeResult> {
        return analyze(this.require(), params.text, { topK: params.topK, maxTokens: params.maxTokens });
    }

    /** `analyze` and `attention` of one text from a single forward pass where possible. */
    async analyzeWithAttention(params: AnalyzeWithAttentionParams): Promise<AnalyzeWithAttentionResult> {
        const { text, ...options } = params;
        return analyzeWithAttention(this.require(), text, options);
    }

    async nextToken(params: NextTokenParams): Promise<NextTokenResult> {
        return nextToken(this.require(), params.prefix, params.k ?? 10);
    }

    async attention(params: AttentionParams): Promise<AttentionResult> {
        const { text, ...options } = params;
        return attention(this.require(), text, options);
    }

    async generate(
        params: GenerateParams,
        onToken: (text: string, id: number) => void,
        signal?: AbortSignal,
    ): Promise<GenerateResult> {
        const { prompt, requestId: _requestId, ...options } = params;
        return generate(this.require(), prompt, options, onToken, signal);
    }

    async exportModel(params: { format: "hf" | "onnx"; out: string }): Promise<{ path: string }> {
        const model = this.require();
        const { exportModel } = await import("../io/export");
        return exportModel(model, params.format, params.out);
    }

    async dispose(): Promise<void> {
        const model = this.model;
        this.model = undefined;
        if (model) await model.dispose();
    }

    private require(): LanguageModel {
        if (!this.model) {
            throw new UserError(
                this.loading ? "the model is still loading; try again in a moment" : "no model loaded: load a model first",
                "E_NO_MODEL",
            );
        }
        return this.model;
    }
}
