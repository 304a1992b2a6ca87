// One process per run folder: a second trainer (in this process or another) is refused with the
// holder's pid and leaves the folder untouched; a lock whose process is gone is taken over; the
// lock goes when the run ends.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../../test/support/paths";
import { acquireRunLock, lockFile } from "./runLock";
import { smallCorpus, snapshot, tempDir, tinySettings } from "./testSupport";
import { Trainer } from "./trainer";

const dir = tempDir("lock");
const corpus = smallCorpus(dir, 8_000);

/** The pid of a process that has already exited. */
function deadPid(): number {
    const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
        encoding: "utf8",
    });
    return Number(r.stdout);
}

test("a held lock refuses a second holder by pid; release frees it", () => {
    const folder = join(dir, "plain");
    mkdirSync(folder);
    const lock = acquireRunLock(folder, "train");
    const holder = JSON.parse(readFileSync(join(folder, lockFile), "utf8"));
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.equal(holder.purpose, "train");
    assert.throws(
        () => acquireRunLock(folder, "resume"),
        (e: Error) =>
            e.name === "UserError" &&
            e.message.includes(`in use by process ${process.pid} on ${hostname()} (train, since`),
    );
    lock.release();
    assert.ok(!existsSync(join(folder, lockFile)));
    acquireRunLock(folder, "resume").release();
});

test("a lock left by a process that is gone is taken over", () => {
    const folder = join(dir, "stale");
    mkdirSync(folder);
    const stale = { pid: deadPid(), host: hostname(), startedAt: "2020-01-01T00:00:00Z", purpose: "train" };
    writeFileSync(join(folder, lockFile), JSON.stringify(stale));
    const lock = acquireRunLock(folder, "resume");
    assert.equal(JSON.parse(readFileSync(join(folder, lockFile), "utf8")).pid, process.pid);
    lock.release();
    // A holder on another host cannot be checked and is respected.
    writeFileSync(join(folder, lockFile), JSON.stringify({ ...stale, host: "elsewhere" }));
    assert.throws(() => acquireRunLock(folder, "resume"), /in use by process \d+ on elsewhere/);
});

test("resume while the run trains is refused and changes nothing; afterwards it works", async () => {
    const out = join(dir, "run");
    let trainer: Trainer | undefined;
    let before: Record<string, string> = {};
    let after: Record<string, string> = {};
    let refusal: unknown;
    let cliResult: ReturnType<typeof spawnSync> | undefined;
    trainer = await Trainer.create(tinySettings(corpus, out, { max_iters: 12 }), {
        listener: {
            progress: (p) => {
                if (p.step !== 5) return;
                // Mid-run, synchronously between steps: the folder is as the trainer left it.
                before = snapshot(out);
                cliResult = spawnSync(
                    process.execPath,
                    [join(repoRoot, "bin", "lm-lab.js"), "resume", out, "--json"],
                    { encoding: "utf8", timeout: 60_000 },
                );
                after = snapshot(out);
                void Trainer.resume(out).catch((e: unknown) => (refusal = e));
            },
        },
    });
    const result = await trainer.run();
    assert.equal(result.state, "finished");
    assert.ok(refusal instanceof Error && refusal.name === "UserError", String(refusal));
    assert.match((refusal as Error).message, new RegExp(`in use by process ${process.pid}`));
    assert.equal(cliResult!.status, 2, String(cliResult!.stderr));
    assert.match(String(cliResult!.stderr), new RegExp(`in use by process ${process.pid} .*\\(train, since`));
    assert.ok(Object.keys(before).length > 0);
    assert.deepEqual(after, before, "the refused resume changed nothing");
    assert.ok(!existsSync(join(out, lockFile)), "the lock is gone once the run has ended");

    const resumed = await Trainer.resume(out, { maxIters: 14 });
    assert.ok(existsSync(join(out, lockFile)));
    assert.equal((await resumed.run()).step, 14);
    assert.ok(!existsSync(join(out, lockFile)));
});

test("a trainer that is never run gives its lock back on release", async () => {
    const out = join(dir, "unrun");
    const trainer = await Trainer.create(tinySettings(corpus, out, { max_iters: 3 }));
    await trainer.release();
    assert.ok(!existsSync(join(out, lockFile)));
    const again = await Trainer.resume(out);
    assert.equal((await again.run()).state, "finished");
});
