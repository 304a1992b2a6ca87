// run.json keeps data files as absolute paths, so a run resumes and evaluates from any working
// directory; relative paths of older runs resolve against the recorded cwd or the folder's parent.
// The listing reports a run that run.json calls live but no process holds as interrupted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { evaluateRun } from "./evaluate";
import { listRuns, readRunRecord, resolveDataPath, runFile } from "./runFolder";
import { lockFile } from "./runLock";
import { smallCorpus, tempDir, tinySettings } from "./testSupport";
import { Trainer } from "./trainer";

const dir = tempDir("runfolder");
const corpus = smallCorpus(dir, 8_000);

test("a run created with a relative data path resumes and evaluates from elsewhere", async () => {
    const start = process.cwd();
    const out = join(dir, "relative");
    let trainer: Trainer;
    process.chdir(dir);
    try {
        trainer = await Trainer.create(tinySettings("corpus.txt", "relative", { max_iters: 4 }));
    } finally {
        process.chdir(start);
    }
    await trainer.run();
    const stored = JSON.parse(readFileSync(join(out, runFile), "utf8"));
    assert.deepEqual(stored.config.data, [corpus]);
    assert.equal(stored.cwd, dir);

    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    process.chdir(elsewhere);
    try {
        const resumed = await Trainer.resume(out, { maxIters: 6 });
        assert.equal((await resumed.run()).step, 6);
        assert.equal((await evaluateRun(out, { evalIters: 1 })).step, 6);
    } finally {
        process.chdir(start);
    }
});

test("relative paths of older runs resolve against the recorded cwd, else the parent", () => {
    const out = join(dir, "old");
    mkdirSync(out);
    const record = {
        runId: "old",
        config: { ...tinySettings("corpus.txt", out), data: ["corpus.txt"] },
        createdAt: "",
        updatedAt: "",
        state: "finished",
        step: 0,
    };
    writeFileSync(join(out, runFile), JSON.stringify(record));
    // The folder's parent is `dir`, which holds corpus.txt.
    assert.deepEqual(readRunRecord(out).config.data, [corpus]);
    const other = join(dir, "other");
    mkdirSync(other);
    writeFileSync(join(other, "corpus.txt"), "x");
    writeFileSync(join(out, runFile), JSON.stringify({ ...record, cwd: other }));
    assert.deepEqual(readRunRecord(out).config.data, [join(other, "corpus.txt")]);
    // Neither has the file: the recorded cwd is the guess, so the error names that path.
    assert.equal(resolveDataPath(out, { cwd: other }, "missing.txt"), join(other, "missing.txt"));
    assert.equal(resolveDataPath(out, {}, "/abs/file.txt"), "/abs/file.txt");
});

/** A run folder under `root` whose run.json says `state` at `step`, maybe with a checkpoint. */
function fakeRun(root: string, name: string, state: string, step: number, checkpoint: boolean) {
    const out = join(root, name);
    mkdirSync(out, { recursive: true });
    const record = {
        runId: name,
        config: { ...tinySettings(corpus, out), max_iters: 3000 },
        createdAt: `2024-01-01T00:00:0${name.length % 10}Z`,
        updatedAt: "",
        state,
        step,
        lastLoss: 2.5,
    };
    writeFileSync(join(out, runFile), JSON.stringify(record));
    if (checkpoint) {
        mkdirSync(join(out, "checkpoint"));
        writeFileSync(join(out, "checkpoint", "trainer_state.json"), JSON.stringify({ step }));
    }
    return out;
}

function lockBy(out: string, pid: number): void {
    const holder = { pid, host: hostname(), startedAt: "2024-01-01T00:00:00Z", purpose: "train" };
    writeFileSync(join(out, lockFile), JSON.stringify(holder) + "\n");
}

test("a run run.json calls live but no process holds is listed as interrupted", () => {
    const root = join(dir, "listing");
    fakeRun(root, "no-lock", "running", 122, true);
    lockBy(fakeRun(root, "stale-lock", "paused", 40, true), deadPid());
    fakeRun(root, "no-checkpoint", "starting", 0, false);
    lockBy(fakeRun(root, "live", "running", 7, true), process.pid);
    fakeRun(root, "done", "finished", 3000, true);
    fakeRun(root, "user-stopped", "stopped", 50, true);

    const byId = new Map(listRuns(root).map((r) => [r.runId, r]));
    // [state, step, hasCheckpoint, interrupted]
    const pick = (id: string) => {
        const r = byId.get(id)!;
        return [r.state, r.step, r.hasCheckpoint, r.interrupted];
    };
    assert.deepEqual(pick("no-lock"), ["stopped", 122, true, true]);
    assert.deepEqual(pick("stale-lock"), ["stopped", 40, true, true]);
    assert.deepEqual(pick("no-checkpoint"), ["stopped", 0, false, true]);
    assert.deepEqual(pick("live"), ["running", 7, true, undefined]);
    assert.deepEqual(pick("done"), ["finished", 3000, true, undefined]);
    assert.deepEqual(pick("user-stopped"), ["stopped", 50, true, undefined]);
    // Listing only reads: the stale lock stays for the next trainer to take over.
    assert.match(readFileSync(join(root, "stale-lock", lockFile), "utf8"), /"pid"/);
});

test("a damaged lock does not keep a run listed as live", () => {
    const root = join(dir, "damaged-lock");
    const out = fakeRun(root, "run", "running", 12, true);
    writeFileSync(join(out, lockFile), "{not json");
    const [run] = listRuns(root);
    assert.equal(run.state, "stopped");
    assert.equal(run.interrupted, true);
});

/** The pid of a process that has exited. */
function deadPid(): number {
    const child = spawnSync(process.execPath, ["-e", ""]);
    assert.ok(child.pid);
    return child.pid;
}
