// Tests for atomic writes: content lands exactly, no temporary files stay behind, and a failed
// write leaves the previous file untouched.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeFileAtomic, writeJsonAtomic } from "./atomic";

function tempDir(): string {
    return mkdtempSync(join(tmpdir(), "lmlab-atomic-"));
}

test("writes bytes and strings exactly and leaves no temporary file", () => {
    const dir = tempDir();
    try {
        const bytes = new Uint8Array([0, 1, 2, 255, 128]);
        writeFileAtomic(join(dir, "a.bin"), bytes);
        assert.deepEqual(new Uint8Array(readFileSync(join(dir, "a.bin"))), bytes);
        writeFileAtomic(join(dir, "a.bin"), "héllo");
        assert.equal(readFileSync(join(dir, "a.bin"), "utf8"), "héllo");
        assert.deepEqual(readdirSync(dir), ["a.bin"]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("creates missing parent folders and writes JSON with a trailing newline", () => {
    const dir = tempDir();
    try {
        const path = join(dir, "x", "y", "config.json");
        writeJsonAtomic(path, { a: 1, b: [2, 3] });
        assert.equal(readFileSync(path, "utf8"), '{\n  "a": 1,\n  "b": [\n    2,\n    3\n  ]\n}\n');
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("a failed rename keeps the old target and removes the temporary file", () => {
    const dir = tempDir();
    try {
        // The target is a non-empty folder, so renaming a file over it fails.
        const target = join(dir, "target");
        mkdirSync(target);
        writeFileSync(join(target, "keep.txt"), "old");
        assert.throws(() => writeFileAtomic(target, "new"));
        assert.equal(readFileSync(join(target, "keep.txt"), "utf8"), "old");
        assert.deepEqual(readdirSync(dir), ["target"]);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
