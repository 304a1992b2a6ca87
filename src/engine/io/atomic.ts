// Atomic file writes: data goes to a temporary file beside the target, is flushed, and is then
// renamed over the target, so a crash or a bad input never leaves a half-written file behind.

import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Writes `data` to `path` atomically, creating the parent folder if needed. Readers see either
 * the old file or the complete new one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let renamed = false;
    try {
        const fd = openSync(temp, "w", 0o644);
        try {
            let written = 0;
            while (written < bytes.length) {
                written += writeSync(fd, bytes, written, bytes.length - written);
            }
            fsyncSync(fd);
        } finally {
            closeSync(fd);
        }
        renameSync(temp, path);
        renamed = true;
    } finally {
        // The temporary file is removed on failure; the original error is what the caller sees.
        if (!renamed) rmSync(temp, { force: true });
    }
}

/** Writes `value` as pretty-printed JSON (two-space indent, trailing newline) atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
    writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

let tempCounter = 0;
