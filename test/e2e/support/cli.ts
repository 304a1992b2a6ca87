// Runs the `lm-lab` CLI on the same model the editor uses, so real-editor tests can compare what
// the panels show with the numbers the engine computes outside the editor.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../support/paths";

/** The model the extension loads when `lmLab.model` is empty. */
export const defaultModel = join(repoRoot, "models", "default");

/**
 * The model the real-editor tests use: the shipped default, or where a checkout has none, a tiny
 * model trained once with the CLI into .cache/e2e-model (the tests then set `lmLab.model` to it).
 */
export function testModel(): string {
    if (existsSync(join(defaultModel, "config.json"))) return defaultModel;
    const dir = join(repoRoot, ".cache", "e2e-model");
    if (existsSync(join(dir, "model.safetensors")) && existsSync(join(dir, "config.json")))
        return dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(repoRoot, ".cache"), { recursive: true });
    const data = join(repoRoot, "test", "sample-workspace", "shakespeare.txt");
    runCli(["train", "--preset", "tiny", "--data", data, "--out", dir, "--json"], 300_000);
    return dir;
}

export interface CliToken {
    id: number;
    text: string;
    start: number;
    end: number;
    logprob: number | null;
    rank: number | null;
    entropy: number | null;
    topk: { id: number; text: string; prob: number }[];
}

export interface CliAnalysis {
    tokens: CliToken[];
    logLikelihood: number;
    perplexity: number;
}

/** `lm-lab analyze --model MODEL --text TEXT --json`, parsed. */
export function analyzeWithCli(text: string, model = testModel(), topK = 10): CliAnalysis {
    const output = runCli([
        "analyze",
        "--model",
        model,
        "--text",
        text,
        "--top-k",
        String(topK),
        "--json",
    ]);
    return JSON.parse(lastJsonLine(output)) as CliAnalysis;
}

/** Runs the CLI from the repository and returns its stdout; throws with stderr on failure. */
export function runCli(args: string[], timeoutMs = 120_000): string {
    const bin = join(repoRoot, "bin", "lm-lab.js");
    if (!existsSync(bin)) throw new Error(`${bin} not found: the lm-lab CLI is missing`);
    return execFileSync(process.execPath, [bin, ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, LM_LAB_THREADS: "1" },
    });
}

/** The CLI prints one JSON document; allow log lines before it. */
function lastJsonLine(output: string): string {
    const trimmed = output.trim();
    if (trimmed.startsWith("{")) return trimmed;
    const start = trimmed.indexOf("\n{");
    if (start < 0) throw new Error(`no JSON in CLI output: ${trimmed.slice(0, 500)}`);
    return trimmed.slice(start + 1);
}
