// Times our one-graph training step against the PyTorch reference trainer on the nanoGPT CPU
// recipe (4 layers, 4 heads, 128 channels, context 64, batch 12, char-level tinyshakespeare),
// both in the same run, and prints each median (ms/iter) and the ratio.
//
// Usage: npx tsx bench/train-vs-pytorch.ts [--iters N] [--warmup N] [--threads N] [--data FILE]
//        [--no-torch] [--json]
// PyTorch runs at its best setting here: one torch thread with OPENBLAS_NUM_THREADS=2
// (apt-get install -y python3-torch libopenblas0-pthread; /usr/bin/python3).

import { spawnSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { TrainStep } from "../src/engine/train/step";
import type { GptConfig } from "../src/engine/types";

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

async function ours(): Promise<{ median: number; firstLoss: number; lastLoss: number }> {
    const text = readFileSync(dataPath, "utf8");
    const chars = [...new Set(text)].sort();
    const index = new Map(chars.map((c, i) => [c, i]));
    const data = Int32Array.from(text, (c) => index.get(c)!);
    const config: GptConfig = {
        n_layer: 4,
        n_head: 4,
        n_embd: 128,
        block_size: 64,
        vocab_size: chars.length,
        dropout: 0,
        bias: false,
        layer_norm_epsilon: 1e-5,
        activation: "gelu",
        attention: "causal",
        objective: "clm",
    };
    const B = 12;
    const T = config.block_size;
    const optim = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };
    const step = await TrainStep.create(config, optim, B, { threads, seed: 1337 });
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    let s = 1337;
    const times: number[] = [];
    let firstLoss = NaN;
    let lastLoss = NaN;
    for (let it = 0; it < warmup + iters; it++) {
        for (let b = 0; b < B; b++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const at = s % (Math.floor(data.length * 0.9) - T - 1);
            x.set(data.subarray(at, at + T), b * T);
            y.set(data.subarray(at + 1, at + 1 + T), b * T);
        }
        const t0 = performance.now();
        const { loss } = await step.step(x, y, 1e-3, it + 1);
        if (it >= warmup) times.push(performance.now() - t0);
        if (it === 0) firstLoss = loss;
        lastLoss = loss;
    }
    await step.dispose();
    return { median: median(times), firstLoss, lastLoss };
}

function torch(): number | undefined {
    const script = resolve(sharedDir, "bench", "torch_reference.py");
    if (!existsSync("/usr/bin/python3") || !existsSync(script)) return undefined;
    const run = spawnSync(
        "/usr/bin/python3",
        [script, "--data", dataPath, "--threads", "1", "--max-iters", String(warmup + iters), "--eval-interval", "100000", "--eval-iters", "1"],
        { env: { ...process.env, OPENBLAS_NUM_THREADS: "2" }, encoding: "utf8" },
    );
    if (run.status !== 0) {
        process.stderr.write(`PyTorch reference failed:\n${run.stderr}\n`);
        return undefined;
    }
    const summary = run.stdout.trim().split("\n").map((l) => JSON.parse(l)).find((o) => o.summary);
    return summary?.ms_per_iter_median;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
    const mine = await ours();
    const ref = flag("no-torch") ? undefined : torch();
    const result = {
        iters,
        threads,
        ms_per_iter_median: Number(mine.median.toFixed(2)),
        torch_ms_per_iter_median: ref,
        ratio: ref ? Number((mine.median / ref).toFixed(3)) : undefined,
        first_loss: Number(mine.firstLoss.toFixed(4)),
        last_loss: Number(mine.lastLoss.toFixed(4)),
    };
    if (flag("json")) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
        process.stdout.write(`lm-lab step: ${result.ms_per_iter_median} ms/iter (median of ${iters})\n`);
        process.stdout.write(`PyTorch:     ${ref ?? "not run"} ms/iter\n`);
        if (result.ratio) process.stdout.write(`ratio:       ${result.ratio}x\n`);
        process.stdout.write(`loss ${result.first_loss} -> ${result.last_loss}\n`);
    }
}

void main();
