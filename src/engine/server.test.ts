// The engine process over real stdio: spawned as the extension spawns it, driven with
// vscode-jsonrpc through a tiny training run (progress, pause, continue, stop), run listing,
// and errors that carry the UserError's text.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import {
    createMessageConnection,
    ResponseError,
    StreamMessageReader,
    StreamMessageWriter,
} from "vscode-jsonrpc/node";
import { repoRoot } from "../../test/support/paths";
import {
    Methods,
    Notifications,
    type RunState,
    type TrainConfig,
    type TrainProgress,
} from "../protocol";
import { resolveTrainConfig } from "./train/config";
import { smallCorpus, tempDir } from "./train/testSupport";

const engine = spawn(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "src", "engine", "main.ts")],
    {
        cwd: repoRoot,
        stdio: ["pipe", "pipe", "pipe"],
    },
);
let stderr = "";
engine.stderr.on("data", (chunk) => (stderr += chunk));
const connection = createMessageConnection(
    new StreamMessageReader(engine.stdout),
    new StreamMessageWriter(engine.stdin),
);
connection.listen();
after(() => {
    connection.dispose();
    engine.kill();
});

// A connection holds one handler per notification method; this fans each out to listeners.
const listeners = new Map<string, Set<(value: unknown) => void>>();
function listen<T>(type: { method: string }, listener: (value: T) => void): () => void {
    let set = listeners.get(type.method);
    if (!set) {
        const created = new Set<(value: unknown) => void>();
        listeners.set(type.method, created);
        connection.onNotification(type.method, (value: unknown) =>
            [...created].forEach((l) => l(value)),
        );
        set = created;
    }
    const l = listener as (value: unknown) => void;
    set.add(l);
    return () => set.delete(l);
}

/** Resolves with the first notification value that satisfies `predicate`. */
function waitFor<T>(
    type: { method: string },
    predicate: (value: T) => boolean,
    what: string,
): Promise<T> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`timed out waiting for ${what}; engine stderr:\n${stderr}`)),
            60_000,
        );
        const remove = listen<T>(type, (value) => {
            if (!predicate(value)) return;
            clearTimeout(timer);
            remove();
            resolve(value);
        });
    });
}

const dir = tempDir("server");
const corpus = smallCorpus(dir, 10_000);

test("initialize reports the engine and its backends", async () => {
    const info = await connection.sendRequest(Methods.initialize, { threads: 1 });
    assert.equal(info.pid, engine.pid);
    assert.equal(info.threads, 1);
    assert.ok(info.backends.includes("cpu"));
    assert.match(info.ortVersion, /^\d+\.\d+/);
});

test("initialize names an unknown execution provider and accepts known ones", async () => {
    await assert.rejects(
        connection.sendRequest(Methods.initialize, { threads: 1, executionProviders: ["tpu"] }),
        (e: ResponseError<unknown>) =>
            /executionProviders: unknown execution provider "tpu"/.test(e.message),
    );
    const info = await connection.sendRequest(Methods.initialize, {
        threads: 1,
        executionProviders: ["cuda", "cpu"],
    });
    assert.equal(info.threads, 1);
});

test("a run streams progress and can be paused, continued and stopped", async () => {
    const config: TrainConfig = resolveTrainConfig({
        preset: "tiny",
        data: [corpus],
        out: join(dir, "runs", "first"),
        max_iters: 100_000,
        eval_interval: 50,
        eval_iters: 2,
        checkpoint_interval: 1000,
        threads: 1,
    });
    const states: RunState[] = [];
    listen<{ state: RunState }>(Notifications.runState, (s) => states.push(s.state));
    const firstProgress = waitFor<TrainProgress>(
        Notifications.progress,
        (p) => p.step >= 3,
        "progress",
    );
    const summary = await connection.sendRequest(Methods.startRun, config);
    assert.ok(summary.state === "starting" || summary.state === "running", summary.state);
    assert.equal(summary.maxIters, 100_000);
    const progress = await firstProgress;
    assert.equal(progress.runId, summary.runId);
    assert.ok(
        Number.isFinite(progress.loss) && progress.msPerIter > 0 && progress.tokensPerSec > 0,
    );

    // A second run while one trains is refused with a message saying so.
    await assert.rejects(
        connection.sendRequest(Methods.startRun, { ...config, out: join(dir, "runs", "second") }),
        (e: unknown) => e instanceof ResponseError && /already training/.test(e.message),
    );

    const paused = waitFor<{ state: RunState }>(
        Notifications.runState,
        (s) => s.state === "paused",
        "paused",
    );
    await connection.sendRequest(Methods.pauseRun, { runId: summary.runId });
    await paused;
    const running = waitFor<{ state: RunState }>(
        Notifications.runState,
        (s) => s.state === "running",
        "running",
    );
    await connection.sendRequest(Methods.continueRun, { runId: summary.runId });
    await running;
    await waitFor<TrainProgress>(Notifications.progress, () => true, "progress after continue");
    await connection.sendRequest(Methods.stopRun, { runId: summary.runId });
    assert.equal(states.at(-1), "stopped");

    const runs = await connection.sendRequest(Methods.listRuns, { root: join(dir, "runs") });
    assert.equal(runs.length, 1);
    assert.equal(runs[0].runId, summary.runId);
    assert.equal(runs[0].state, "stopped");
    assert.ok(runs[0].hasCheckpoint && runs[0].step > 3);
    const metrics = await connection.sendRequest(Methods.runMetrics, { dir: runs[0].dir });
    const trainSteps = metrics.filter((m) => m.kind === "train").length;
    assert.equal(trainSteps, runs[0].step);

    const point = await connection.sendRequest(Methods.evaluateRun, {
        dir: runs[0].dir,
        evalIters: 2,
    });
    assert.equal(point.step, runs[0].step);
    assert.ok(point.valLoss > 0 && point.valLoss < 6);
});

test("errors come back with the UserError's text", async () => {
    await assert.rejects(
        connection.sendRequest(Methods.startRun, resolveBad()),
        (e: unknown) =>
            e instanceof ResponseError &&
            e.code === 1 &&
            /lr must be a finite number > 0, found -1/.test(e.message),
    );
    await assert.rejects(
        connection.sendRequest(Methods.pauseRun, { runId: "nope" }),
        (e: unknown) =>
            e instanceof ResponseError && /No active run with id "nope"/.test(e.message),
    );
    await assert.rejects(
        connection.sendRequest(Methods.runMetrics, { dir: join(dir, "nowhere") }),
        (e: unknown) => e instanceof ResponseError && /not an LM Lab run folder/.test(e.message),
    );
    assert.equal(await connection.sendRequest(Methods.modelInfo, undefined), null);
});

test("shutdown answers and the process exits", async () => {
    const exited = new Promise<number | null>((resolve) =>
        engine.once("exit", (code) => resolve(code)),
    );
    await connection.sendRequest(Methods.shutdown, undefined);
    connection.dispose();
    engine.stdin.end();
    assert.equal(await exited, 0);
});

function resolveBad(): TrainConfig {
    const config = resolveTrainConfig({
        preset: "tiny",
        data: [corpus],
        out: join(dir, "runs", "bad"),
    });
    return { ...config, lr: -1 };
}
