// The training loop end to end on a tiny model: the loss falls, checkpoints round-trip, a run
// stopped and resumed matches an uninterrupted one bit for bit, and an injected non-finite loss
// rolls back with half the learning rate.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalPoint, RunStateEvent, TrainProgress } from "../../protocol";
import { readSafetensors } from "../io/safetensors";
import { loadTokenizer } from "../tokenizer";
import { readCheckpoint } from "./checkpoint";
import { readMetrics, readRunRecord } from "./runFolder";
import { lrAt } from "./schedule";
import { smallCorpus, tempDir, tinySettings } from "./testSupport";
import { divergenceOf, explosionLimit } from "./divergence";
import { maxRollbacksInARow, Trainer, type TrainerOptions } from "./trainer";

interface Recorded {
    progress: TrainProgress[];
    evals: EvalPoint[];
    states: RunStateEvent[];
}

function recorder(
    stopAt?: number,
    trainer?: () => Trainer,
): { events: Recorded; options: TrainerOptions } {
    const events: Recorded = { progress: [], evals: [], states: [] };
    return {
        events,
        options: {
            listener: {
                progress: (p) => {
                    events.progress.push(p);
                    if (p.step === stopAt) void trainer!().stop();
                },
                evaluation: (e) => events.evals.push(e),
                state: (s) => events.states.push(s),
            },
        },
    };
}

const dir = tempDir("trainer");
const corpus = smallCorpus(dir);

test("the loss falls and evaluation reports perplexity and bits per character", async () => {
    const rec = recorder();
    const trainer = await Trainer.create(
        tinySettings(corpus, join(dir, "falls"), { max_iters: 60 }),
        rec.options,
    );
    const result = await trainer.run();
    assert.equal(result.state, "finished");
    assert.equal(result.step, 60);
    const losses = rec.events.progress.map((p) => p.loss);
    assert.equal(losses.length, 60);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // ln(vocab) ≈ 4 at the start; a few dozen steps bring a tiny char model well below.
    assert.ok(
        mean(losses.slice(0, 5)) > mean(losses.slice(-5)) + 0.5,
        `losses ${losses.map((l) => l.toFixed(2))}`,
    );
    assert.deepEqual(
        rec.events.evals.map((e) => e.step),
        [10, 20, 30, 40, 50, 60],
    );
    const last = rec.events.evals.at(-1)!;
    assert.ok(Math.abs(last.valPerplexity - Math.exp(last.valLoss)) < 1e-9);
    // Character-level: one character per token, so bits/char = loss / ln 2.
    assert.ok(Math.abs(last.valBitsPerChar - last.valLoss / Math.LN2) < 1e-9);
    assert.equal(result.valLoss, last.valLoss);
    // Learning rates follow the schedule.
    const c = trainer.config;
    rec.events.progress.forEach((p, i) => assert.equal(p.lr, lrAt(i, c)));
    assert.deepEqual(
        rec.events.states.map((s) => s.state),
        ["running", "finished"],
    );
});

test("a checkpoint round-trips and the run folder loads like a Hugging Face folder", async () => {
    const out = join(dir, "roundtrip");
    const trainer = await Trainer.create(tinySettings(corpus, out, { max_iters: 12 }));
    await trainer.run();
    const ckpt = readCheckpoint(out);
    assert.equal(ckpt.state.step, 12);
    assert.equal(ckpt.state.lrScale, 1);
    const model = readSafetensors(join(out, "model.safetensors"));
    const wte = model.tensors.get("transformer.wte.weight")!;
    assert.deepEqual(wte.shape, [ckpt.modelConfig.vocab_size, 32]);
    assert.deepEqual(model.tensors.get("transformer.h.0.attn.c_attn.weight")!.shape, [32, 96]);
    // Bit-identical to the checkpoint's own copy and to the optimizer file's moments' names.
    assert.deepEqual(wte.data, ckpt.params.get("transformer.wte.weight"));
    assert.deepEqual([...ckpt.m.keys()].sort(), [...ckpt.params.keys()].sort());
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(config.model_type, "gpt2");
    assert.equal(config.vocab_size, ckpt.modelConfig.vocab_size);
    const tokenizer = loadTokenizer(join(out, "tokenizer.json"));
    assert.equal(tokenizer.vocabSize, ckpt.modelConfig.vocab_size);
    assert.equal(tokenizer.decode(tokenizer.encode("To be, or not").ids), "To be, or not");
    const record = readRunRecord(out);
    assert.equal(record.state, "finished");
    assert.equal(record.step, 12);
    assert.ok(!existsSync(join(out, "checkpoint.tmp")) && !existsSync(join(out, "checkpoint.old")));
});

test("a run stopped and resumed gives exactly the losses of an uninterrupted run", async () => {
    const settings = { max_iters: 24, checkpoint_interval: 10, eval_interval: 8, dropout: 0.1 };
    const whole = recorder();
    await (
        await Trainer.create(tinySettings(corpus, join(dir, "whole"), settings), whole.options)
    ).run();

    const out = join(dir, "split");
    let first: Trainer | undefined;
    const part1 = recorder(13, () => first!);
    first = await Trainer.create(tinySettings(corpus, out, settings), part1.options);
    const stopped = await first.run();
    assert.equal(stopped.state, "stopped");
    assert.equal(stopped.step, 13);
    assert.equal(readCheckpoint(out).state.step, 13);

    const part2 = recorder();
    const second = await Trainer.resume(out, {}, part2.options);
    assert.equal(second.currentStep, 13);
    const resumed = await second.run();
    assert.equal(resumed.state, "finished");

    const losses = (r: Recorded) => r.progress.map((p) => p.loss);
    assert.deepEqual([...losses(part1.events), ...losses(part2.events)], losses(whole.events));
    const vals = (r: Recorded) => r.evals.map((e) => [e.step, e.valLoss]);
    assert.deepEqual([...vals(part1.events), ...vals(part2.events)], vals(whole.events));
    const a = readCheckpoint(join(dir, "whole"));
    const b = readCheckpoint(out);
    for (const [name, data] of a.params) assert.deepEqual(b.params.get(name), data, name);
    // The metrics log reads as one run: each step once, in order.
    const steps = readMetrics(out).flatMap((r) => (r.kind === "train" ? [r.step] : []));
    assert.deepEqual(
        steps,
        Array.from({ length: 24 }, (_, i) => i + 1),
    );
});

test("a non-finite loss rolls back to the last checkpoint with half the learning rate", async () => {
    const out = join(dir, "rollback");
    const rec = recorder();
    const trainer = await Trainer.create(
        tinySettings(corpus, out, { max_iters: 20, checkpoint_interval: 10 }),
        { ...rec.options, injectNonFiniteAt: [15] },
    );
    const result = await trainer.run();
    assert.equal(result.state, "finished");
    assert.equal(result.step, 20);
    assert.equal(result.lrScale, 0.5);
    assert.equal(result.rollbacks, 1);
    const event = rec.events.states.find((s) => s.message?.includes("non-finite"));
    assert.ok(event, "a state event reports the rollback");
    assert.match(
        event.message!,
        /non-finite loss \(NaN\) at step 15: rolled back to step 10, learning rate scale now 0.5/,
    );
    // Steps 11-14 ran twice: before the failure at full rate, after it at half rate.
    const steps = rec.events.progress.map((p) => p.step);
    assert.deepEqual(steps, [
        ...Array.from({ length: 14 }, (_, i) => i + 1),
        ...Array.from({ length: 10 }, (_, i) => i + 11),
    ]);
    const c = trainer.config;
    const after = rec.events.progress.slice(14);
    after.forEach((p) => assert.equal(p.lr, lrAt(p.step - 1, c) * 0.5));
    assert.ok(after.every((p) => Number.isFinite(p.loss)));
    // The halved rate is persisted with the checkpoint, and the log records the event.
    assert.equal(readCheckpoint(out).state.lrScale, 0.5);
    assert.ok(
        readMetrics(out).some(
            (r) => r.kind === "event" && r.message.includes("rolled back to step 10"),
        ),
    );
});

test("rollbacks count in a row until a checkpoint passes the failing point", async () => {
    // Steps 1-4 train fine each time, so a count reset by any finite step would never stop.
    const settings = { max_iters: 8, checkpoint_interval: 10, eval_interval: 8 };
    const eight = await Trainer.create(tinySettings(corpus, join(dir, "eight"), settings), {
        injectNonFiniteAt: Array(maxRollbacksInARow).fill(5),
    });
    const survived = await eight.run();
    assert.equal(survived.state, "finished");
    assert.equal(survived.rollbacks, maxRollbacksInARow);
    assert.equal(survived.lrScale, 2 ** -maxRollbacksInARow);

    const out = join(dir, "nine");
    const nine = await Trainer.create(tinySettings(corpus, out, settings), {
        injectNonFiniteAt: Array(maxRollbacksInARow + 1).fill(5),
    });
    const failed = await nine.run();
    assert.equal(failed.state, "failed");
    assert.equal(failed.step, 0);
    assert.match(
        failed.message!,
        /diverged again after 8 rollbacks in a row: non-finite loss \(NaN\) at step 5.*last good checkpoint \(step 0\)/,
    );
    assert.equal(readRunRecord(out).state, "failed");
    assert.equal(readCheckpoint(out).state.step, 0);
});

test("a run with a learning rate that explodes fails and keeps finite weights", async () => {
    const out = join(dir, "explodes");
    const rec = recorder();
    const trainer = await Trainer.create(
        tinySettings(corpus, out, { max_iters: 5, lr: 1e9, min_lr: 0 }),
        rec.options,
    );
    const result = await trainer.run();
    assert.equal(result.state, "failed");
    // The loss is huge but finite: the events name a loss explosion and its threshold.
    const limit = explosionLimit(trainer.modelConfig.vocab_size);
    const rollbacks = rec.events.states.filter((s) => s.message?.includes("rolled back"));
    assert.equal(rollbacks.length, maxRollbacksInARow);
    for (const event of rollbacks) {
        assert.match(event.message!, /^loss explosion \(loss \S+ > \d+\.\d, 10 x ln\(\d+\)/);
        assert.ok(event.message!.includes(`> ${limit.toFixed(1)}`));
        assert.ok(!event.message!.includes("non-finite"));
    }
    assert.ok(rec.events.evals.every((e) => Number.isFinite(e.valLoss)));
    const weights = readSafetensors(join(out, "model.safetensors"));
    for (const [name, tensor] of weights.tensors) {
        assert.ok(tensor.data.every(Number.isFinite), name);
    }
});

test("divergence: non-finite values and a loss explosion are told apart", () => {
    assert.equal(divergenceOf(4.2, 1.5, 65), undefined);
    assert.equal(divergenceOf(Number.NaN, 1, 65), "non-finite loss (NaN)");
    assert.equal(
        divergenceOf(123861164032, Number.POSITIVE_INFINITY, 65),
        "non-finite gradient norm (Infinity; loss 1.239e+11)",
    );
    assert.equal(explosionLimit(65), 10 * Math.log(65));
    assert.match(divergenceOf(42, 1, 65)!, /^loss explosion \(loss 42 > 41.7, 10 x ln\(65\)/);
    assert.equal(explosionLimit(2), 10);
});
