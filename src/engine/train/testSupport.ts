// Shared set-up for the trainer's tests: a small slice of tinyshakespeare in a temporary folder,
// and a tiny model configuration that trains in well under a second per few dozen steps.

import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shakespearePath } from "../../../test/support/paths";
import type { TrainConfig } from "../../protocol";

const created: string[] = [];
// Temporary folders go when the test process ends, whatever the outcome.
process.on("exit", () => created.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(label: string): string {
    const dir = mkdtempSync(join(tmpdir(), `lm-lab-${label}-`));
    created.push(dir);
    return dir;
}

/** Writes the first `chars` characters of tinyshakespeare to a file in `dir`. */
export function smallCorpus(dir: string, chars = 20_000): string {
    const path = join(dir, "corpus.txt");
    writeFileSync(path, readFileSync(shakespearePath, "utf8").slice(0, chars));
    return path;
}

/** Settings for a tiny run: override what a test needs. */
export function tinySettings(
    data: string,
    out: string,
    more: Partial<TrainConfig> = {},
): Partial<TrainConfig> & { out: string } {
    return {
        preset: "tiny",
        data: [data],
        out,
        max_iters: 30,
        eval_interval: 10,
        eval_iters: 2,
        checkpoint_interval: 10,
        threads: 1,
        ...more,
    };
}

/** Path → sha256 of every file under `dir`, to show that a failed operation changed nothing. */
export function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
        for (const name of readdirSync(d)) {
            const path = join(d, name);
            if (statSync(path).isDirectory()) walk(path);
            else out[path] = createHash("sha256").update(readFileSync(path)).digest("hex");
        }
    };
    walk(dir);
    return out;
}
