// run.json keeps data files as absolute paths, so a run resumes and evaluates from any working
// directory; relative paths of older runs resolve against the recorded cwd or the folder's parent.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateRun } from "./evaluate";
import { readRunRecord, resolveDataPath, runFile } from "./runFolder";
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
