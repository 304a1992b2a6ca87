// Tests for the shared JSON reader: contents come back parsed, and missing or malformed files give
// a UserError that names the file.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { UserError } from "../types";
import { readJsonFile } from "./jsonFile";

function withTempDir(body: (dir: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), "lmlab-json-"));
    try {
        body(dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

test("returns the parsed value", () => {
    withTempDir((dir) => {
        const file = join(dir, "a.json");
        writeFileSync(file, '{"n": [1, 2.5], "s": "é"}');
        assert.deepEqual(readJsonFile(file), { n: [1, 2.5], s: "é" });
    });
});

test("malformed JSON names the file, and what it is when told", () => {
    withTempDir((dir) => {
        const file = join(dir, "bad.json");
        writeFileSync(file, "{not json");
        assert.throws(
            () => readJsonFile(file),
            (e: unknown) => e instanceof UserError && e.message.startsWith(`${file} is not valid JSON (`),
        );
        assert.throws(
            () => readJsonFile(file, "Checkpoint file"),
            (e: unknown) =>
                e instanceof UserError && e.message.startsWith(`Checkpoint file ${file} is not valid JSON (`),
        );
    });
});

test("a missing file or a folder is a UserError, not a raw system error", () => {
    withTempDir((dir) => {
        const missing = join(dir, "none.json");
        assert.throws(
            () => readJsonFile(missing),
            (e: unknown) => e instanceof UserError && e.message.startsWith(`cannot read ${missing}: `),
        );
        assert.throws(
            () => readJsonFile(dir, "config"),
            (e: unknown) => e instanceof UserError && e.message.startsWith(`cannot read config ${dir}: `),
        );
    });
});
