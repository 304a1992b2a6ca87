// Tests for the binary-file check and run folder names.

import assert from "node:assert/strict";
import { test } from "node:test";
import { binaryReason, runFolderName } from "./textCheck";

test("text passes, NUL bytes and invalid UTF-8 are named", () => {
    assert.equal(binaryReason(new TextEncoder().encode("To be, or not to be — ça va? 😀")), undefined);
    assert.equal(binaryReason(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00])), "it contains a NUL byte at offset 4");
    assert.equal(binaryReason(Uint8Array.from([0x41, 0xff, 0x42])), "it is not valid UTF-8 text");
});

test("a sample cut inside a multi-byte character is still text", () => {
    const bytes = new TextEncoder().encode("abc😀");
    assert.equal(binaryReason(bytes.subarray(0, bytes.length - 1)), undefined);
});

test("run folder names combine a UTC stamp and a slug", () => {
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(runFolderName("My Poems.txt", now), "20260102-030405-my-poems");
    assert.equal(runFolderName("***", now), "20260102-030405");
});
