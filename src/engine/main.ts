// The engine process: a JSON-RPC server on stdin/stdout (see server.ts and src/protocol.ts).
// Stdout carries protocol messages only; everything else, console output of libraries
// included, goes to stderr, which the extension shows in its engine output channel.

import {
    createMessageConnection,
    StreamMessageReader,
    StreamMessageWriter,
} from "vscode-jsonrpc/node";
import { silenceBufferDeprecation } from "../cli/nodeWarnings";
import { log } from "./log";
import { EngineServer } from "./server";

/** Serves the protocol on stdio until the client goes away, then exits. */
export function runEngine(): void {
    protectStdout();
    silenceBufferDeprecation();
    const connection = createMessageConnection(
        new StreamMessageReader(process.stdin),
        new StreamMessageWriter(process.stdout),
    );
    const server = new EngineServer(connection);
    let closing = false;
    const close = (why: string) => {
        if (closing) return;
        closing = true;
        log.info(`engine stopping: ${why}`);
        // A run in progress writes its checkpoint before the process goes.
        server.dispose().then(
            () => exitWhenFlushed(0),
            (e) => {
                log.error("engine shutdown failed:", e);
                exitWhenFlushed(1);
            },
        );
    };
    connection.onClose(() => close("connection closed"));
    connection.onError(([error]) => log.error("connection error:", error));
    process.on("SIGTERM", () => close("SIGTERM"));
    process.on("SIGINT", () => close("SIGINT"));
    connection.listen();
    log.info(`engine ready (pid ${process.pid}, node ${process.version})`);
}

/**
 * Exits once stdout has taken every protocol message written before: writes to a pipe are
 * asynchronous, and an immediate exit would drop the last notifications.
 */
function exitWhenFlushed(code: number): void {
    process.exitCode = code;
    process.stdout.write("", () => process.exit(code));
}

/** Routes console output to stderr so that nothing but protocol messages reaches stdout. */
function protectStdout(): void {
    const toStderr = (...parts: unknown[]) => log.info(...parts);
    console.log = toStderr;
    console.info = toStderr;
    console.debug = (...parts: unknown[]) => log.debug(...parts);
    console.warn = (...parts: unknown[]) => log.warn(...parts);
}

if (require.main === module) runEngine();
