// The engine's logger. The engine process has no editor UI: it writes to stderr (the extension
// shows that in an output channel) and, when an RPC connection is up, forwards each line to it.

export type LogLevel = "debug" | "info" | "warn" | "error";

type Sink = (level: LogLevel, message: string) => void;

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: LogLevel = (process.env.LM_LAB_LOG as LogLevel) in order ? (process.env.LM_LAB_LOG as LogLevel) : "info";
const sinks = new Set<Sink>();

function stderrSink(level: LogLevel, message: string): void {
    process.stderr.write(`${new Date().toISOString()} [${level}] ${message}\n`);
}
sinks.add(stderrSink);

function emit(level: LogLevel, parts: unknown[]): void {
    if (order[level] < order[threshold]) return;
    const message = parts
        .map((p) => (p instanceof Error ? (p.stack ?? p.message) : typeof p === "string" ? p : JSON.stringify(p)))
        .join(" ");
    for (const sink of sinks) sink(level, message);
}

export const log = {
    debug: (...parts: unknown[]) => emit("debug", parts),
    info: (...parts: unknown[]) => emit("info", parts),
    warn: (...parts: unknown[]) => emit("warn", parts),
    error: (...parts: unknown[]) => emit("error", parts),
    setLevel(level: LogLevel): void {
        threshold = level;
    },
    /** Adds a sink; returns a function that removes it. */
    addSink(sink: Sink): () => void {
        sinks.add(sink);
        return () => sinks.delete(sink);
    },
    /** Silences stderr (the CLI's --json mode keeps stdout clean and stderr quiet). */
    setStderr(enabled: boolean): void {
        if (enabled) sinks.add(stderrSink);
        else sinks.delete(stderrSink);
    },
};
