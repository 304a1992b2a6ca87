// The `lm-lab` command as scripts use it: bin/lm-lab.js in a child process. Bad arguments
// exit non-zero with a message; train, eval and bench end with the JSON line their contracts
// promise.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../test/support/paths";
import { availableBackends } from "../engine/runtime";
import { readCheckpoint } from "../engine/train/checkpoint";
import { smallCorpus, tempDir } from "../engine/train/testSupport";

const dir = tempDir("cli");
const corpus = smallCorpus(dir, 10_000);

function lmLab(...args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [join(repoRoot, "bin", "lm-lab.js"), ...args], {
        cwd: dir,
        encoding: "utf8",
        timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
    const lines = stdout.trim().split("\n");
    for (const line of lines) JSON.parse(line); // every stdout line is JSON in --json mode
    return JSON.parse(lines.at(-1)!);
}

test("bad arguments exit with code 2 and say what is wrong", () => {
    const cases: [string[], RegExp][] = [
        [
            ["train", "--data", corpus, "--out", "x", "--learning-rate", "1"],
            /Unknown option --learning-rate/,
        ],
        [["train", "--data", corpus, "--out"], /lm-lab train: --out needs a value\.\n/],
        [
            ["train", "--data", corpus, "--out", "x", "--lr", "fast"],
            /--lr needs a number; found "fast"/,
        ],
        [
            ["train", "--data", corpus, "--out", "x", "--lr", "-0.1"],
            /lr must be a finite number > 0, found -0.1/,
        ],
        [
            ["train", "--data", corpus, "--out", "x", "--lr", "nan"],
            /lr must be a finite number > 0, found NaN/,
        ],
        [
            ["train", "--data", corpus, "--out", "x", "--n-embd", "30", "--n-head", "4"],
            /divisible by n_head/,
        ],
        [["train", "--data", corpus], /--out DIR is required/],
        [["train", "--preset", "huge", "--data", corpus, "--out", "x"], /Unknown preset "huge"/],
        [["resume"], /exactly one run folder/],
        [["frobnicate"], /^lm-lab: unknown command "frobnicate"\. Commands: train, resume, eval/],
        [["eval", "x", "--threads", "-1"], /--threads must be 0 or more, found -1/],
        [["train", "--data", corpus, "--out", corpus], /corpus\.txt is an existing file, not a folder/],
        [
            ["train", "--data", corpus, "--out", "x", "--block-size", "100000"],
            /block_size must be at most 8192, found 100000/,
        ],
        [
            ["train", "--data", corpus, "--out", "x", "--ep", "gpu"],
            /--ep: unknown execution provider "gpu"/,
        ],
    ];
    for (const [args, pattern] of cases) {
        const r = lmLab(...args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
    }
    assert.ok(!existsSync(join(dir, "x")), "no run folder is left behind by a refused command");
});

test("--version and info report ONNX Runtime and its execution providers", () => {
    const version = lmLab("--version");
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /^lm-lab \d+\.\d+\.\d+ \(ONNX Runtime \d+\.\d+\.\d+; backends cpu\b/);
    const info = lmLab("info", "--json");
    assert.equal(info.code, 0, info.stderr);
    const report = JSON.parse(info.stdout);
    assert.match(report.ortVersion, /^\d+\.\d+\.\d+$/);
    const cpu = report.backends.find((b: { name: string }) => b.name === "cpu");
    assert.deepEqual(cpu, { name: "cpu", bundled: true, installed: true });
    if (process.platform === "linux" && process.arch === "x64") {
        assert.ok(report.backends.some((b: { name: string }) => b.name === "cuda"), "cuda is listed");
    }
});

test("--help prints the usage and each command's options", () => {
    const r = lmLab("--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: lm-lab <command>/);
    const t = lmLab("train", "--help");
    assert.equal(t.code, 0);
    for (const flag of [
        "--preset",
        "--data",
        "--out",
        "--iters",
        "--lr",
        "--n-layer",
        "--threads",
        "--ep",
        "--json",
    ]) {
        assert.ok(t.stdout.includes(flag), `train --help lists ${flag}`);
    }
    assert.match(t.stdout, /result" line with\nsnake_case fields \(run_id, val_loss, ms_per_iter_median/);
});

test(
    "--ep cuda without CUDA prints our warning and not ONNX Runtime's own error line",
    { skip: availableBackends().includes("cuda") && "the CUDA provider is installed here" },
    () => {
        const model = join(repoRoot, "models", "default");
        const r = lmLab("analyze", "--model", model, "--text", "hello there", "--ep", "cuda");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /execution provider cuda failed to initialise/);
        assert.ok(!r.stderr.includes("[E:onnxruntime"), r.stderr);
    },
);

test("a diverging run fails with exit code 1 and says why in its result line", () => {
    const out = join(dir, "diverges");
    const r = lmLab(
        "train", "--preset", "tiny", "--data", corpus, "--out", out, "--iters", "5", "--lr", "1e9", "--json",
    );
    assert.equal(r.code, 1, r.stderr);
    const result = lastJson(r.stdout);
    assert.equal(result.state, "failed");
    assert.equal(result.step, 0);
    assert.match(String(result.message), /diverged again after 8 rollbacks in a row: loss explosion/);
    assert.match(r.stderr, /error: The run diverged/);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
});

test("train, eval and bench end with their JSON result lines", () => {
    const out = join(dir, "run");
    const train = lmLab(
        "train",
        "--preset",
        "tiny",
        "--data",
        corpus,
        "--out",
        out,
        "--iters",
        "12",
        "--eval-iters",
        "2",
        "--threads",
        "1",
        "--json",
    );
    assert.equal(train.code, 0, train.stderr);
    const result = lastJson(train.stdout);
    assert.equal(result.type, "result");
    assert.equal(result.state, "finished");
    assert.equal(result.step, 12);
    assert.ok(typeof result.val_loss === "number" && result.val_loss > 0 && result.val_loss < 6);
    assert.ok(typeof result.ms_per_iter_median === "number" && result.ms_per_iter_median > 0);
    assert.ok(existsSync(join(out, "model.safetensors")));

    const evaluation = lmLab("eval", out, "--eval-iters", "3", "--threads", "1", "--json");
    assert.equal(evaluation.code, 0, evaluation.stderr);
    const e = lastJson(evaluation.stdout);
    assert.equal(e.step, 12);
    assert.equal(e.eval_iters, 3);
    assert.ok(Math.abs((e.val_perplexity as number) - Math.exp(e.val_loss as number)) < 1e-9);

    const resumed = lmLab("resume", out, "--iters", "14", "--threads", "1", "--json");
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(lastJson(resumed.stdout).step, 14);

    const bench = lmLab(
        "bench",
        "--preset",
        "tiny",
        "--data",
        corpus,
        "--iters",
        "3",
        "--warmup",
        "1",
        "--threads",
        "1",
        "--json",
    );
    assert.equal(bench.code, 0, bench.stderr);
    const b = lastJson(bench.stdout);
    assert.equal(b.iters, 3);
    assert.ok(typeof b.ms_per_iter_median === "number" && b.ms_per_iter_median > 0);
});

test("Ctrl-C stops a run with a checkpoint that resume continues from", async () => {
    const out = join(dir, "interrupted");
    // detached: its own process group, which receives the signal as a terminal would send it.
    const child = spawn(
        process.execPath,
        [
            join(repoRoot, "bin", "lm-lab.js"),
            ...["train", "--preset", "tiny", "--data", corpus, "--out", out],
            ...["--iters", "1000000", "--eval-interval", "100000", "--threads", "1", "--json"],
        ],
        { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no progress within 60 s")), 60_000);
        child.stdout.on("data", (chunk) => {
            stdout += chunk;
            if (/"type":"progress"[^\n]*"step":5\b/.test(stdout)) {
                clearTimeout(timer);
                resolve();
            }
        });
    });
    process.kill(-child.pid!, "SIGINT");
    assert.equal(await exited, 0);
    const result = lastJson(stdout);
    assert.equal(result.state, "stopped");
    const step = result.step as number;
    assert.ok(step >= 5 && step < 1_000_000);
    assert.equal(readCheckpoint(out).state.step, step);
});
