// Times our one-graph training step against the PyTorch reference trainer on the nanoGPT CPU
// recipe (4 layers, 4 heads, 128 channels, context 64, batch 12, char-level tinyshakespeare),
// both in the same run, and prints each median (ms/iter) and the ratio. Our iterations run in two
// halves, before and after PyTorch's, so a change in machine load affects both sides alike; our
// figure is the mean of the two halves' medians.
//
// Usage: npx tsx bench/train-vs-pytorch.ts [--iters N] [--warmup N] [--threads N] [--data FILE]
//        [--direct] [--no-torch] [--json]
// By default our side is `lm-lab bench --preset nanogpt-cpu` (its last JSON line holds
// ms_per_iter_median); --direct drives TrainStep in this process with an inline char encoding.
// PyTorch runs at its best setting here: one torch thread with OPENBLAS_NUM_THREADS=2
// (apt-get install -y python3-torch libopenblas0-pthread; /usr/bin/python3).

import { spawnSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { modelConfigFor } from "../src/engine/train/config";
import { presets } from "../src/engine/train/presets";
import { TrainStep } from "../src/engine/train/step";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

const sharedDir = process.env.LM_LAB_SHARED ?? resolve(__dirname, "..", "..", "shared");
const dataPath = option("data", resolve(sharedDir, "data", "tinyshakespeare.txt"));
const iters = Number(option("iters", "100"));
const warmup = Number(option("warmup", "10"));
const threads = Number(option("threads", "2"));

interface Ours {
    times: number[];
    firstLoss: number;
    lastLoss: number;
    run(n: number): Promise<void>;
    dispose(): Promise<void>;
}

/** Our median over `n` iterations through the CLI. */
function cli(n: number): number {
    const bin = resolve(__dirname, "..", "bin", "lm-lab.js");
    const argv = [
        bin,
        "bench",
        "--preset",
        "nanogpt-cpu",
        "--data",
        dataPath,
        "--iters",
        String(n),
    ];
    argv.push("--warmup", String(warmup), "--threads", String(threads), "--json");
    const run = spawnSync(process.execPath, argv, { encoding: "utf8" });
    const lines = run.stdout.trim().split("\n");
    if (run.status !== 0) throw new Error(`lm-lab bench failed (${run.status}):\n${run.stderr}`);
    return JSON.parse(lines[lines.length - 1]).ms_per_iter_median;
}

async function ours(): Promise<Ours> {
    const text = readFileSync(dataPath, "utf8");
    const chars = [...new Set(text)].sort();
    const index = new Map(chars.map((c, i) => [c, i]));
    const data = Int32Array.from(text, (c) => index.get(c)!);
    // The recipe comes from the preset, so both paths time the same model and optimizer.
    const recipe = presets["nanogpt-cpu"];
    const config = modelConfigFor({ ...recipe, data: [dataPath], out: "" }, chars.length);
    const B = recipe.batch_size;
    const T = config.block_size;
    const optim = {
        beta1: recipe.beta1,
        beta2: recipe.beta2,
        eps: 1e-8,
        weightDecay: recipe.weight_decay,
        gradClip: recipe.grad_clip,
    };
    const step = await TrainStep.create(config, optim, B, { threads, seed: recipe.seed });
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    let s = 1337;
    let it = 0;
    const state: Ours = {
        times: [],
        firstLoss: NaN,
        lastLoss: NaN,
        run: async (n) => {
            for (const end = it + n; it < end; it++) await one();
        },
        dispose: () => step.dispose(),
    };
    const one = async () => {
        for (let b = 0; b < B; b++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const at = s % (Math.floor(data.length * 0.9) - T - 1);
            x.set(data.subarray(at, at + T), b * T);
            y.set(data.subarray(at + 1, at + 1 + T), b * T);
        }
        const t0 = performance.now();
        const { loss } = await step.step(x, y, 1e-3, it + 1);
        if (it >= warmup) state.times.push(performance.now() - t0);
        if (it === 0) state.firstLoss = loss;
        state.lastLoss = loss;
    };
    return state;
}

function torch(): number | undefined {
    const script = resolve(sharedDir, "bench", "torch_reference.py");
    if (!existsSync("/usr/bin/python3") || !existsSync(script)) return undefined;
    const run = spawnSync(
        "/usr/bin/python3",
        [
            script,
            "--data",
            dataPath,
            "--threads",
            "1",
            "--max-iters",
            String(warmup + iters),
            "--eval-interval",
            "100000",
            "--eval-iters",
            "1",
        ],
        { env: { ...process.env, OPENBLAS_NUM_THREADS: "2" }, encoding: "utf8" },
    );
    if (run.status !== 0) {
        process.stderr.write(`PyTorch reference failed:\n${run.stderr}\n`);
        return undefined;
    }
    const summary = run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .find((o) => o.summary);
    return summary?.ms_per_iter_median;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
    const half = Math.floor(iters / 2);
    let halves: number[];
    let losses: { first: number; last: number } | undefined;
    let ref: number | undefined;
    if (flag("direct")) {
        const mine = await ours();
        await mine.run(warmup + half);
        const before = median(mine.times);
        ref = flag("no-torch") ? undefined : torch();
        mine.times.length = 0;
        await mine.run(iters - half);
        await mine.dispose();
        halves = [before, median(mine.times)];
        losses = { first: mine.firstLoss, last: mine.lastLoss };
    } else {
        const before = cli(half);
        ref = flag("no-torch") ? undefined : torch();
        halves = [before, cli(iters - half)];
    }
    const ourMs = (halves[0] + halves[1]) / 2;
    const result = {
        mode: flag("direct") ? "direct" : "cli",
        iters,
        threads,
        ms_per_iter_median: Number(ourMs.toFixed(2)),
        halves: halves.map((h) => Number(h.toFixed(2))),
        torch_ms_per_iter_median: ref,
        ratio: ref ? Number((ourMs / ref).toFixed(3)) : undefined,
        first_loss: losses ? Number(losses.first.toFixed(4)) : undefined,
        last_loss: losses ? Number(losses.last.toFixed(4)) : undefined,
    };
    if (flag("json")) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
        process.stdout.write(
            `lm-lab step: ${result.ms_per_iter_median} ms/iter (halves ${result.halves.join(", ")})\n`,
        );
        process.stdout.write(`PyTorch:     ${ref ?? "not run"} ms/iter\n`);
        if (result.ratio) process.stdout.write(`ratio:       ${result.ratio}x\n`);
        if (losses) process.stdout.write(`loss ${result.first_loss} -> ${result.last_loss}\n`);
    }
}

main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
});
