// The engine's JSON-RPC server: implements every method of src/protocol.ts on a
// vscode-jsonrpc connection (its twin is the extension's engine client). Training runs one at a
// time through Trainer; model/* requests go to the analysis service, loaded on first use so that
// the engine starts fast. Errors reach the client as JSON-RPC errors whose message is the
// UserError's text.

import {
    CancellationToken,
    ErrorCodes,
    ResponseError,
    type MessageConnection,
} from "vscode-jsonrpc";
import type { EngineInfo, EngineOptions, RunSummary, TrainConfig } from "../protocol";
import { Methods, Notifications } from "../protocol";
import { log } from "./log";
import { availableBackends, ortVersion, parseExecutionProviders } from "./runtime";
import { UserError } from "./types";
import { evaluateRun } from "./train/evaluate";
import { listRuns, readMetrics } from "./train/runFolder";
import { Trainer, type TrainerListener } from "./train/trainer";
import type { AnalysisService } from "./analysis/service";

/** JSON-RPC error code for a UserError (bad input); the message is for the user as it is. */
export const userErrorCode = 1;

export const engineVersion = "0.1.0";

export class EngineServer {
    private options: EngineOptions = { threads: 0 };
    private trainer: Trainer | undefined;
    /** Set while a run is being created, so two starts cannot race past the one-run check. */
    private starting = false;
    private analysis: Promise<AnalysisService> | undefined;
    private readonly disposers: (() => void)[] = [];

    constructor(private readonly connection: MessageConnection) {
        this.disposers.push(
            log.addSink((level, message) => {
                if (level === "debug") return;
                void connection
                    .sendNotification(Notifications.log, { level, message })
                    .catch(() => undefined);
            }),
        );
        this.register();
    }

    /** Stops training (writing its checkpoint) and releases the model. */
    async dispose(): Promise<void> {
        for (const dispose of this.disposers.splice(0)) dispose();
        await this.trainer?.stop();
        this.trainer = undefined;
        const analysis = this.analysis;
        this.analysis = undefined;
        if (analysis) await (await analysis).dispose?.();
    }

    private register(): void {
        const c = this.connection;
        const handle = <P, R>(
            type: { method: string },
            fn: (params: P, token: CancellationToken) => Promise<R> | R,
        ) =>
            c.onRequest(type.method, async (params: P, token: CancellationToken) => {
                try {
                    return await fn(params, token);
                } catch (e) {
                    throw toResponseError(type.method, e);
                }
            });

        handle(Methods.initialize, (o: EngineOptions) => this.initialize(o));
        handle(Methods.shutdown, () => this.dispose());

        handle(Methods.loadModel, async (p: { path: string }) =>
            (await this.service()).loadModel(p.path),
        );
        handle(Methods.modelInfo, async () =>
            this.analysis ? (await this.service()).info() : null,
        );
        handle(Methods.analyze, async (p) => (await this.service()).analyze(p as never));
        handle(Methods.nextToken, async (p) => (await this.service()).nextToken(p as never));
        handle(Methods.attention, async (p) => (await this.service()).attention(p as never));
        handle(Methods.generate, async (p: { requestId: string }, token) => {
            const service = await this.service();
            const abort = new AbortController();
            const sub = token.onCancellationRequested(() => abort.abort());
            try {
                return await service.generate(
                    p as never,
                    (text: string, id: number) =>
                        void c.sendNotification(Notifications.generated, {
                            requestId: p.requestId,
                            text,
                            id,
                        }),
                    abort.signal,
                );
            } finally {
                sub.dispose();
            }
        });
        handle(Methods.exportModel, async (p) => (await this.service()).exportModel(p as never));

        handle(Methods.startRun, (config: TrainConfig) =>
            this.launch(() => Trainer.create(config, this.trainerOptions())),
        );
        handle(Methods.resumeRun, (p: { dir: string; maxIters?: number }) =>
            this.launch(() =>
                Trainer.resume(p.dir, { maxIters: p.maxIters }, this.trainerOptions()),
            ),
        );
        handle(Methods.pauseRun, (p: { runId: string }) => this.active(p.runId).pause());
        handle(Methods.continueRun, (p: { runId: string }) => this.active(p.runId).continue());
        handle(Methods.stopRun, async (p: { runId: string }) => {
            await this.active(p.runId).stop();
        });
        handle(Methods.evaluateRun, (p: { dir: string; evalIters?: number }) =>
            evaluateRun(p.dir, { evalIters: p.evalIters, ...this.runtime() }),
        );
        handle(Methods.listRuns, (p: { root: string }) => listRuns(p.root));
        handle(Methods.runMetrics, (p: { dir: string }) => readMetrics(p.dir));
    }

    private initialize(options: EngineOptions): EngineInfo {
        if (!Number.isInteger(options?.threads) || options.threads < 0) {
            throw new UserError(
                `threads must be an integer >= 0, found ${String(options?.threads)}.`,
            );
        }
        const executionProviders = parseExecutionProviders(
            options.executionProviders,
            "executionProviders",
        );
        this.options = { ...options, executionProviders };
        const backends = availableBackends();
        log.info(
            `engine ${engineVersion} (pid ${process.pid}), ORT ${ortVersion()}, backends ${backends.join(", ")}, ` +
                `options ${JSON.stringify(this.options)}`,
        );
        return {
            version: engineVersion,
            ortVersion: ortVersion(),
            backends,
            threads: options.threads,
            pid: process.pid,
        };
    }

    /** Creates a trainer, starts its loop in the background and answers with its summary at once. */
    private async launch(create: () => Promise<Trainer>): Promise<RunSummary> {
        this.checkIdle();
        this.starting = true;
        let trainer: Trainer;
        try {
            trainer = await create();
        } finally {
            this.starting = false;
        }
        this.trainer = trainer;
        // Announced before the first step, so that views switch to the new run at once.
        void this.connection.sendNotification(Notifications.runState, {
            runId: trainer.runId,
            state: "starting",
        });
        void trainer.run().then(
            (result) => log.info(`run ${result.runId} ${result.state} at step ${result.step}`),
            (e) => log.error(`run ${trainer.runId} ended with an error:`, e),
        );
        return trainer.summary();
    }

    private checkIdle(): void {
        const t = this.trainer;
        if (this.starting)
            throw new UserError("A run is being started; only one run trains at a time.");
        if (t && t.isActive) {
            throw new UserError(
                `A run is already training (${t.runId} in ${t.dir}). Only one run trains at a time: stop it first.`,
            );
        }
    }

    private active(runId: string): Trainer {
        const t = this.trainer;
        if (!t || t.runId !== runId || !t.isActive) {
            throw new UserError(
                `No active run with id "${runId}"${t?.isActive ? ` (the active run is ${t.runId})` : ""}.`,
            );
        }
        return t;
    }

    private trainerOptions() {
        const listener: TrainerListener = {
            progress: (p) => void this.connection.sendNotification(Notifications.progress, p),
            evaluation: (e) => void this.connection.sendNotification(Notifications.evaluation, e),
            state: (s) => void this.connection.sendNotification(Notifications.runState, s),
        };
        return { listener, ...this.runtime() };
    }

    /** The threads (0 = ORT's default) and execution providers every session of the engine uses. */
    private runtime(): { threads: number | undefined; executionProviders?: string[] } {
        return {
            threads: this.options.threads || undefined,
            executionProviders: this.options.executionProviders,
        };
    }

    private service(): Promise<AnalysisService> {
        // Loaded on first use so that the engine starts fast and training never needs it.
        this.analysis ??= Promise.resolve().then(() => {
            const { AnalysisService } = require("./analysis/service") as typeof import("./analysis/service");
            return new AnalysisService(this.runtime());
        });
        return this.analysis;
    }
}

function toResponseError(method: string, e: unknown): ResponseError<{ code: string } | undefined> {
    if (e instanceof ResponseError) return e;
    if (e instanceof UserError)
        return new ResponseError(userErrorCode, e.message, { code: e.code });
    log.error(`${method} failed:`, e);
    const message = e instanceof Error ? e.message : String(e);
    return new ResponseError(ErrorCodes.InternalError, message, undefined);
}
