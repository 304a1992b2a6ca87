// Checkpoint files without a training step: a bit-exact round trip, the folder swap that keeps
// a complete checkpoint visible at every moment, and the run folder's metrics log and listing.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
    cpSync,
    existsSync,
    mkdirSync,
    renameSync,
    rmSync,
    writeFileSync,
    appendFileSync,
} from "node:fs";
import { join } from "node:path";
import { initParams } from "../model/init";
import { trainCharTokenizer } from "../tokenizer";
import { UserError, type GptConfig } from "../types";
import { findCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint";
import {
    appendMetrics,
    listRuns,
    readMetrics,
    truncateMetrics,
    writeRunRecord,
    type RunRecord,
} from "./runFolder";
import { tempDir } from "./testSupport";
import { resolveTrainConfig } from "./config";

const model: GptConfig = {
    n_layer: 1,
    n_head: 2,
    n_embd: 8,
    block_size: 8,
    vocab_size: 12,
    dropout: 0,
    bias: true,
    layer_norm_epsilon: 1e-5,
    activation: "gelu",
    attention: "causal",
    objective: "clm",
};

function checkpointAt(step: number, seed: number): Checkpoint {
    const params = initParams(model, seed);
    const m = new Map([...params].map(([k, v]) => [k, v.map((x) => x * 0.5)]));
    const v = new Map([...params].map(([k, v]) => [k, v.map((x) => x * x + Number.MIN_VALUE)]));
    return {
        modelConfig: model,
        tokenizer: trainCharTokenizer("abcdefghijk").toJSON(),
        params,
        m,
        v,
        state: {
            step,
            sampler: { position: step * 3 },
            lrScale: 0.25,
            rollbacks: 2,
            bestValLoss: 1.5,
            elapsedSec: 4,
        },
    };
}

test("a checkpoint round-trips bit for bit", () => {
    const dir = tempDir("ckpt");
    const written = checkpointAt(7, 1);
    writeCheckpoint(dir, written);
    const read = readCheckpoint(dir);
    assert.deepEqual(read.state, written.state);
    assert.deepEqual(read.modelConfig, model);
    assert.deepEqual(read.tokenizer, written.tokenizer);
    for (const key of ["params", "m", "v"] as const) {
        assert.equal(read[key].size, written[key].size);
        for (const [name, data] of written[key]) {
            assert.deepEqual(
                new Uint32Array(read[key].get(name)!.buffer.slice(0)),
                new Uint32Array(data.buffer.slice(0)),
                name,
            );
        }
    }
    // The model files are published at the top for loaders, identical to the checkpoint's.
    for (const name of ["model.safetensors", "config.json", "tokenizer.json"])
        assert.ok(existsSync(join(dir, name)));
});

test("a later checkpoint replaces the earlier one; an interrupted swap still leaves a whole one", () => {
    const dir = tempDir("swap");
    writeCheckpoint(dir, checkpointAt(5, 1));
    writeCheckpoint(dir, checkpointAt(10, 2));
    assert.equal(readCheckpoint(dir).state.step, 10);
    assert.ok(!existsSync(join(dir, "checkpoint.old")) && !existsSync(join(dir, "checkpoint.tmp")));

    // A crash while writing: a half-written checkpoint.tmp is ignored.
    mkdirSync(join(dir, "checkpoint.tmp"));
    writeFileSync(join(dir, "checkpoint.tmp", "model.safetensors"), "partial");
    assert.equal(readCheckpoint(dir).state.step, 10);

    // A crash between the two renames: only checkpoint.old exists.
    renameSync(join(dir, "checkpoint"), join(dir, "checkpoint.old"));
    assert.equal(findCheckpoint(dir), join(dir, "checkpoint.old"));
    assert.equal(readCheckpoint(dir).state.step, 10);
    writeCheckpoint(dir, checkpointAt(15, 3));
    assert.equal(readCheckpoint(dir).state.step, 15);
    assert.ok(!existsSync(join(dir, "checkpoint.old")));
});

test("damaged checkpoints give errors naming the file", () => {
    const dir = tempDir("damaged");
    assert.throws(
        () => readCheckpoint(dir),
        (e: unknown) => e instanceof UserError && /no checkpoint/.test(e.message),
    );
    writeCheckpoint(dir, checkpointAt(3, 1));
    const copy = tempDir("damaged-copy");
    cpSync(dir, copy, { recursive: true });
    writeFileSync(join(copy, "checkpoint", "optimizer.safetensors"), Buffer.alloc(4));
    assert.throws(
        () => readCheckpoint(copy),
        (e: unknown) => e instanceof UserError && /optimizer\.safetensors/.test(e.message),
    );
    rmSync(join(dir, "checkpoint", "config.json"));
    assert.throws(
        () => readCheckpoint(dir),
        (e: unknown) => e instanceof UserError && /config\.json is missing/.test(e.message),
    );
});

test("metrics append, survive a torn last line, and truncate to a resumed step", () => {
    const root = tempDir("runs");
    const dir = join(root, "a");
    mkdirSync(dir);
    const config = resolveTrainConfig({ preset: "tiny", data: ["x.txt"], out: dir });
    const record: RunRecord = {
        runId: "a",
        config,
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "",
        state: "stopped",
        step: 3,
    };
    writeRunRecord(dir, record);
    const train = (step: number) => ({
        kind: "train" as const,
        step,
        maxIters: 9,
        loss: 1,
        lr: 1,
        gradNorm: 1,
        tokensPerSec: 1,
        msPerIter: 1,
        etaSec: 1,
        elapsedSec: 1,
    });
    appendMetrics(dir, [
        train(1),
        train(2),
        { kind: "event", step: 2, message: "hello" },
        train(3),
        train(4),
    ]);
    appendFileSync(join(dir, "metrics.jsonl"), '{"kind":"train","st');
    assert.deepEqual(
        readMetrics(dir).map((r) => r.step),
        [1, 2, 2, 3, 4],
    );
    truncateMetrics(dir, 2);
    assert.deepEqual(
        readMetrics(dir).map((r) => `${r.kind}${r.step}`),
        ["train1", "train2", "event2"],
    );

    // Listing: newest first; a damaged run.json is reported as a failed run, not hidden.
    const other = join(root, "b");
    mkdirSync(other);
    writeRunRecord(other, { ...record, runId: "b", createdAt: "2026-02-01T00:00:00Z" });
    const broken = join(root, "c");
    mkdirSync(broken);
    writeFileSync(join(broken, "run.json"), "{ not json");
    const runs = listRuns(root);
    assert.deepEqual(
        runs.map((r) => [r.runId, r.state]),
        [
            ["b", "stopped"],
            ["a", "stopped"],
            ["c", "failed"],
        ],
    );
    assert.deepEqual(listRuns(join(root, "missing")), []);
});
