// The extension's handle on the engine: starts the process lazily on the first request, loads
// the configured model before model requests, re-emits training notifications, and turns an
// unexpected exit into an error with "Restart Engine" / "Open Logs" while the next request starts
// a fresh process. Lives as long as the extension; each process is an EngineSession in a slot.

import * as fs from "node:fs";
import * as vscode from "vscode";
import type { RequestType } from "vscode-jsonrpc";
import type { ModelInfo } from "../engine/types";
import {
    Methods,
    Notifications,
    type EngineInfo,
    type EvalPoint,
    type RunStateEvent,
    type TrainProgress,
} from "../protocol";
import { isInWorkspace, type Config } from "./config";
import { Disposable, DisposableStore, MutableDisposable } from "./lifecycle";
import { log, showError } from "./log";
import { EngineSession, type EngineExit } from "./engineSession";

export type EngineState = "stopped" | "starting" | "ready" | "crashed";

export class Engine extends Disposable {
    private readonly slot = this.register(new MutableDisposable<EngineSession>());
    /** Listeners bound to the current session; cleared on restart. */
    private readonly sessionStore = this.register(new DisposableStore());
    private starting: Promise<EngineSession> | undefined;
    private modelLoading: Promise<ModelInfo> | undefined;
    private stateValue: EngineState = "stopped";
    private busyCount = 0;
    private loadedModel: ModelInfo | null = null;
    /** Path the current session's model was loaded from; reset when the process changes. */
    private loadedPath: string | undefined;
    /** A model chosen with Load Model…, used instead of the setting until the setting changes. */
    private chosenPath: string | undefined;
    info: EngineInfo | undefined;
    /** How many training runs live in the engine process; told in the message when it crashes. */
    countActiveRuns: () => number = () => 0;

    private readonly stateEmitter = this.register(new vscode.EventEmitter<EngineState>());
    readonly onDidChangeState = this.stateEmitter.event;
    private readonly busyEmitter = this.register(new vscode.EventEmitter<boolean>());
    readonly onDidChangeBusy = this.busyEmitter.event;
    private readonly modelEmitter = this.register(new vscode.EventEmitter<ModelInfo | null>());
    readonly onDidChangeModel = this.modelEmitter.event;
    private readonly progressEmitter = this.register(new vscode.EventEmitter<TrainProgress>());
    readonly onProgress = this.progressEmitter.event;
    private readonly evalEmitter = this.register(new vscode.EventEmitter<EvalPoint>());
    readonly onEval = this.evalEmitter.event;
    private readonly runStateEmitter = this.register(new vscode.EventEmitter<RunStateEvent>());
    readonly onRunState = this.runStateEmitter.event;
    private readonly generatedEmitter = this.register(
        new vscode.EventEmitter<{ requestId: string; text: string; id: number }>(),
    );
    readonly onGenerated = this.generatedEmitter.event;

    constructor(
        private readonly enginePath: string,
        private readonly config: Config,
    ) {
        super();
        this.register(
            config.onDidChange((keys) => {
                // A new model setting takes effect on the next model request.
                if (keys.includes("model")) {
                    this.loadedPath = undefined;
                    this.chosenPath = undefined;
                }
            }),
        );
    }

    get state(): EngineState {
        return this.stateValue;
    }

    get busy(): boolean {
        return this.busyCount > 0;
    }

    get model(): ModelInfo | null {
        return this.loadedModel;
    }

    /** Sends a request that needs no model, starting the engine if needed. */
    async request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
        const session = await this.ensureSession();
        return this.track(session.connection.sendRequest(type, params, token));
    }

    /** Sends a request about the active model, loading the configured model first if needed. */
    async requestModel<P, R>(
        type: RequestType<P, R, void>,
        params: P,
        token?: vscode.CancellationToken,
    ): Promise<R> {
        await this.ensureModel();
        return this.request(type, params, token);
    }

    /** Loads the configured model (setting or shipped default) unless it is already loaded. */
    async ensureModel(): Promise<ModelInfo> {
        const target = this.chosenPath
            ? { path: this.chosenPath, fromSetting: false }
            : this.config.resolveModelPath();
        if (this.loadedModel && this.loadedPath === target.path && this.slot.value?.isAlive) {
            return this.loadedModel;
        }
        refuseUntrustedModel(target.path, target.fromSetting);
        if (!fs.existsSync(target.path)) {
            throw new Error(
                target.fromSetting
                    ? `the model ${target.path} named by the setting lmLab.model does not exist`
                    : this.chosenPath
                      ? `the model ${target.path} chosen with Load Model… no longer exists; load another`
                      : `the default model ${target.path} is missing from the extension; reinstall LM Lab`,
            );
        }
        return this.loadModel(target.path);
    }

    /** Loads a model from a folder or .onnx file and makes it the active one. */
    async loadModel(modelPath: string): Promise<ModelInfo> {
        refuseUntrustedModel(modelPath, false);
        if (this.modelLoading) await this.modelLoading.catch(() => undefined);
        const loading = this.request(Methods.loadModel, { path: modelPath });
        this.modelLoading = loading;
        try {
            const info = await loading;
            this.loadedModel = info;
            this.loadedPath = modelPath;
            if (modelPath !== this.config.resolveModelPath().path) this.chosenPath = modelPath;
            log.info(`model loaded: ${JSON.stringify(info)}`);
            this.modelEmitter.fire(info);
            return info;
        } finally {
            if (this.modelLoading === loading) this.modelLoading = undefined;
        }
    }

    /** Stops the current process (if any); the next request starts a new one. */
    async restart(): Promise<void> {
        log.info("engine restart requested");
        this.stopSession();
        await this.ensureSession();
    }

    private stopSession(): void {
        this.sessionStore.clear();
        this.slot.value = undefined;
        this.starting = undefined;
        this.forgetModel();
        this.setState("stopped");
    }

    private async ensureSession(): Promise<EngineSession> {
        const current = this.slot.value;
        if (current?.isAlive) return current;
        if (!this.starting) {
            this.starting = this.startSession().finally(() => (this.starting = undefined));
        }
        return this.starting;
    }

    private async startSession(): Promise<EngineSession> {
        if (!fs.existsSync(this.enginePath)) {
            throw new Error(`the engine ${this.enginePath} is missing; the extension was not built (npm run build)`);
        }
        this.setState("starting");
        const started = Date.now();
        try {
            const { session, info } = await EngineSession.start(this.enginePath, {
                threads: this.config.settings.engineThreads,
                executionProviders: this.config.settings.engineExecutionProviders,
            });
            this.info = info;
            this.warnMissingProviders(info);
            this.sessionStore.clear();
            this.slot.value = session;
            this.forgetModel();
            const c = session.connection;
            this.sessionStore.add(c.onNotification(Notifications.progress, (p) => this.progressEmitter.fire(p)));
            this.sessionStore.add(c.onNotification(Notifications.evaluation, (p) => this.evalEmitter.fire(p)));
            this.sessionStore.add(c.onNotification(Notifications.runState, (p) => this.runStateEmitter.fire(p)));
            this.sessionStore.add(c.onNotification(Notifications.generated, (p) => this.generatedEmitter.fire(p)));
            this.sessionStore.add(session.onExit((exit) => this.onSessionExit(session, exit)));
            log.info(`engine started in ${Date.now() - started} ms`);
            this.setState("ready");
            return session;
        } catch (error) {
            this.setState("crashed");
            throw error;
        }
    }

    private onSessionExit(session: EngineSession, exit: EngineExit): void {
        if (this.slot.value !== session) return;
        // Counted before the state change, on which the runs are marked interrupted.
        const interrupted = exit.expected ? 0 : this.countActiveRuns();
        this.sessionStore.clear();
        this.slot.value = undefined;
        this.forgetModel();
        if (exit.expected) {
            this.setState("stopped");
            return;
        }
        this.setState("crashed");
        const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
        // The last output (often a long JSON line) goes to the log, not into the notification.
        const tail = exit.stderrTail.trim().split("\n").slice(-5).join("\n");
        log.error(`engine stopped unexpectedly (${how})${tail ? `; last output:\n${tail}` : ""}`);
        const runs =
            interrupted > 0
                ? ` ${interrupted} training run(s) were interrupted; resume them from their checkpoints.`
                : "";
        void vscode.window
            .showErrorMessage(`LM Lab: the engine stopped unexpectedly (${how}).${runs}`, "Restart Engine", "Open Logs")
            .then((choice) => {
                if (choice === "Open Logs") log.show();
                if (choice === "Restart Engine") {
                    this.restart().catch((error: unknown) => showError("restarting the engine failed", error));
                }
            });
    }

    /** Says when the engine lacks a requested execution provider: it then computes on the CPU. */
    private warnMissingProviders(info: EngineInfo): void {
        const requested = this.config.settings.engineExecutionProviders;
        const missing = requested.filter((p) => !info.backends.includes(p));
        if (missing.length === 0) return;
        const message =
            `execution provider ${missing.join(", ")} is not installed in the engine's ONNX Runtime ` +
            `(available: ${info.backends.join(", ")}); the engine computes on the CPU`;
        log.warn(message);
        const actions = ["Open Settings", "Open Logs"];
        void vscode.window.showWarningMessage(`LM Lab: ${message}.`, ...actions).then((choice) => {
            if (choice === "Open Logs") log.show();
            if (choice === "Open Settings") {
                const setting = "lmLab.engine.executionProviders";
                void vscode.commands.executeCommand("workbench.action.openSettings", setting);
            }
        });
    }

    private forgetModel(): void {
        const had = this.loadedModel !== null;
        this.loadedModel = null;
        this.loadedPath = undefined;
        if (had) this.modelEmitter.fire(null);
    }

    private setState(state: EngineState): void {
        if (state === this.stateValue) return;
        this.stateValue = state;
        log.info(`engine state: ${state}`);
        this.stateEmitter.fire(state);
    }

    private async track<T>(promise: Promise<T>): Promise<T> {
        this.busyCount++;
        if (this.busyCount === 1) this.busyEmitter.fire(true);
        try {
            return await promise;
        } finally {
            this.busyCount--;
            if (this.busyCount === 0) this.busyEmitter.fire(false);
        }
    }
}

/** Throws when the workspace is not trusted and `modelPath` lies inside it. */
function refuseUntrustedModel(modelPath: string, fromSetting: boolean): void {
    if (vscode.workspace.isTrusted || !isInWorkspace(modelPath)) return;
    throw new Error(
        `the workspace is not trusted, so the model ${modelPath} inside it is not loaded` +
            `${fromSetting ? " (setting lmLab.model)" : ""}. Trust the workspace or pick a model outside it.`,
    );
}
