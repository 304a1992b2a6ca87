// The suite @vscode/test-electron runs inside desktop VS Code's extension host: LM Lab activates
// with all its commands, and the engine, started from the extension host's own runtime the way
// the extension starts it, loads the default model and analyses a string with consistent numbers.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import * as vscode from "vscode";
import {
    StreamMessageReader,
    StreamMessageWriter,
    createMessageConnection,
} from "vscode-jsonrpc/node";
import { Methods, type AnalyzeResult } from "../../../src/protocol";

const repo = process.env.LM_LAB_REPO ?? join(__dirname, "..", "..");
const sample = "First Citizen:\nBefore we proceed any further, hear me speak.";

const tests: [string, () => Promise<void>][] = [
    ["LM Lab activates and registers its commands", activates],
    ["the engine loads the default model and analyses a string", analysesString],
];

/** Entry point called by the extension host; rejects when any test failed. */
export async function run(): Promise<void> {
    const failures: string[] = [];
    for (const [name, fn] of tests) {
        try {
            await fn();
            process.stdout.write(`ok - ${name}\n`);
        } catch (err) {
            failures.push(name);
            process.stdout.write(
                `not ok - ${name}\n${err instanceof Error ? err.stack : String(err)}\n`,
            );
        }
    }
    process.stdout.write(`${tests.length - failures.length} passed, ${failures.length} failed\n`);
    if (failures.length > 0) throw new Error(`failed: ${failures.join("; ")}`);
}

// ---------------------------------------------------------------------------------------------
// Tests

async function activates(): Promise<void> {
    const extension = vscode.extensions.getExtension("lm-lab.lm-lab");
    assert.ok(extension, "extension lm-lab.lm-lab is installed");
    await extension.activate();
    const commands = await vscode.commands.getCommands(true);
    const expected = [
        "analyzeSelection",
        "showAttention",
        "trainOnFile",
        "trainOnSelection",
        "trainOnWorkspace",
        "pauseTraining",
        "resumeTraining",
        "stopTraining",
        "openDashboard",
        "loadModel",
        "generate",
        "exportModel",
        "showLogs",
        "toggleDecorations",
        "restartEngine",
    ].map((name) => `lmLab.${name}`);
    assert.deepEqual(
        expected.filter((id) => !commands.includes(id)),
        [],
    );
}

async function analysesString(): Promise<void> {
    // The extension host's runtime is Electron; ELECTRON_RUN_AS_NODE makes it a plain Node.
    const child = spawn(process.execPath, [join(repo, "dist", "engine.js")], {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
        stdio: ["pipe", "pipe", "inherit"],
    });
    const connection = createMessageConnection(
        new StreamMessageReader(child.stdout),
        new StreamMessageWriter(child.stdin),
    );
    connection.listen();
    try {
        await connection.sendRequest(Methods.initialize, { threads: 1 });
        const info = await connection.sendRequest(Methods.loadModel, {
            path: join(repo, "models", "default"),
        });
        assert.ok(info.contextLength > 0);
        const result: AnalyzeResult = await connection.sendRequest(Methods.analyze, {
            text: sample,
            topK: 5,
        });
        checkAnalysis(result);
    } finally {
        connection.dispose();
        child.kill();
    }
}

/** The result's numbers agree with each other and with the text analysed. */
function checkAnalysis(result: AnalyzeResult): void {
    assert.equal(result.tokens.map((t) => sample.slice(t.start, t.end)).join(""), sample);
    let sum = 0;
    for (const token of result.tokens.slice(1)) {
        assert.ok(token.logprob !== null && token.prob !== null);
        assert.ok(Math.abs(token.prob - Math.exp(token.logprob)) < 1e-6);
        assert.ok(token.prob > 0 && token.prob <= 1);
        const probs = token.topk.map((t) => t.prob);
        assert.deepEqual(
            probs,
            [...probs].sort((a, b) => b - a),
            "top-k sorted",
        );
        sum += token.logprob;
    }
    assert.ok(Math.abs(result.logLikelihood - sum) < 1e-4);
    assert.ok(
        Math.abs(result.perplexity - Math.exp(-sum / result.scored)) < 1e-3 * result.perplexity,
    );
}
