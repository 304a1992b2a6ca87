// One engine process and its JSON-RPC connection over stdio. The process runs dist/engine.js on
// the extension host's own Node (Electron's binary in desktop VS Code, with ELECTRON_RUN_AS_NODE),
// so a native crash or out-of-memory kill ends only this process; `onExit` reports it.

import { spawn, type ChildProcess } from "node:child_process";
import * as vscode from "vscode";
import {
    createMessageConnection,
    StreamMessageReader,
    StreamMessageWriter,
    type MessageConnection,
} from "vscode-jsonrpc/node";
import { Methods, Notifications, type EngineInfo, type EngineOptions } from "../protocol";
import { Disposable, toDisposable } from "./lifecycle";
import { log } from "./log";

export interface EngineExit {
    code: number | null;
    signal: NodeJS.Signals | null;
    /** True when the exit was asked for (dispose / restart). */
    expected: boolean;
    /** The last lines the engine wrote to stderr, for the error message. */
    stderrTail: string;
}

export class EngineSession extends Disposable {
    readonly connection: MessageConnection;
    private readonly child: ChildProcess;
    private readonly exited = this.register(new vscode.EventEmitter<EngineExit>());
    readonly onExit = this.exited.event;
    private stopping = false;
    private alive = true;
    private stderrTail = "";

    private constructor(enginePath: string) {
        super();
        this.child = spawn(process.execPath, [enginePath, "--stdio"], {
            stdio: ["pipe", "pipe", "pipe"],
            env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
            windowsHide: true,
        });
        log.info(`engine started: ${process.execPath} ${enginePath} (pid ${this.child.pid})`);
        this.child.stderr?.setEncoding("utf8");
        this.child.stderr?.on("data", (chunk: string) => {
            log.engine(chunk);
            this.stderrTail = (this.stderrTail + chunk).slice(-2000);
        });
        this.child.on("error", (error) => log.error("engine process error:", error));
        this.child.on("exit", (code, signal) => {
            this.alive = false;
            log.info(`engine exited (pid ${this.child.pid}, code ${code}, signal ${signal})`);
            this.connection.dispose();
            this.exited.fire({ code, signal, expected: this.stopping, stderrTail: this.stderrTail });
        });
        this.connection = createMessageConnection(
            new StreamMessageReader(this.child.stdout!),
            new StreamMessageWriter(this.child.stdin!),
        );
        this.connection.onNotification(Notifications.log, ({ level, message }) => {
            if (level === "error") log.error(`engine: ${message}`);
            else if (level === "warn") log.warn(`engine: ${message}`);
            else log.debug(`engine: ${message}`);
        });
        this.connection.onError(([error]) => log.warn("engine connection error:", error));
        this.connection.listen();
        this.register(toDisposable(() => this.stop()));
    }

    /** Spawns the engine and performs the initialize handshake. */
    static async start(enginePath: string, options: EngineOptions): Promise<{ session: EngineSession; info: EngineInfo }> {
        const session = new EngineSession(enginePath);
        try {
            const info = await withTimeout(
                session.connection.sendRequest(Methods.initialize, options),
                60_000,
                "the engine did not answer initialize within 60 s",
            );
            log.info(`engine ready: ${JSON.stringify(info)}`);
            return { session, info };
        } catch (error) {
            session.dispose();
            throw error;
        }
    }

    get pid(): number | undefined {
        return this.child.pid;
    }

    get isAlive(): boolean {
        return this.alive;
    }

    /** Asks the engine to shut down, then kills it if it has not exited within five seconds (a run writes its checkpoint first). */
    private stop(): void {
        if (!this.alive || this.stopping) return;
        this.stopping = true;
        const child = this.child;
        const timer = setTimeout(() => {
            if (this.alive) {
                log.warn(`engine pid ${child.pid} did not exit; killing it`);
                child.kill("SIGKILL");
            }
        }, 5000);
        child.once("exit", () => clearTimeout(timer));
        this.connection.sendRequest(Methods.shutdown, undefined).then(
            () => child.stdin?.end(),
            (error: unknown) => {
                log.debug("engine shutdown request failed:", error);
                child.kill();
            },
        );
    }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(message)), ms);
        promise.then(
            (value) => {
                clearTimeout(timer);
                resolve(value);
            },
            (error: unknown) => {
                clearTimeout(timer);
                reject(error);
            },
        );
    });
}
