// One process at a time per run folder: training, resuming (from the CLI or the engine server)
// take `DIR/.lock`, which names the holder's pid, host and start time. The file appears whole
// or not at all (written aside, then hard-linked into place, which fails if it exists), is
// removed when the holder releases it or exits, and counts as stale once its process is gone,
// so a crash never leaves a folder locked for good.

import { hostname } from "node:os";
import { join } from "node:path";
import {
    linkSync,
    readFileSync,
    renameSync,
    rmSync,
    unlinkSync,
    writeFileSync,
} from "node:fs";
import { log } from "../log";
import { UserError } from "../types";

export const lockFile = ".lock";

/** What `.lock` holds. */
export interface LockHolder {
    pid: number;
    host: string;
    startedAt: string;
    /** What the holder does, e.g. "train" or "resume". */
    purpose: string;
}

export interface RunLock {
    readonly path: string;
    /** Removes the lock if it is still this process's; later calls do nothing. */
    release(): void;
}

/**
 * Takes the lock of run folder `dir` (which must exist) for `purpose`. Throws a UserError naming
 * the holder when another live process has it; a lock left by a process that is gone is taken
 * over, with a warning.
 */
export function acquireRunLock(dir: string, purpose: string): RunLock {
    const path = join(dir, lockFile);
    const me: LockHolder = {
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        purpose,
    };
    const content = JSON.stringify(me) + "\n";
    // Two attempts: the second follows the removal of a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
        if (tryCreate(path, content)) return heldLock(path, content);
        const holder = readHolder(path);
        if (holder === undefined) continue; // released meanwhile
        if (isAlive(holder)) {
            throw new UserError(
                `The run folder ${dir} is in use by process ${holder.pid} on ${holder.host} ` +
                    `(${holder.purpose}, since ${holder.startedAt}). Wait for it to end or stop it; ` +
                    `if no such process runs, delete ${path}.`,
            );
        }
        removeStale(path, holder);
    }
    throw new UserError(`Could not lock the run folder ${dir}: ${path} keeps reappearing.`);
}

/**
 * The live process holding the lock of run folder `dir`, or undefined when no lock exists or its
 * holder is gone (a stale lock, left by a crash). Reads only: a stale lock stays for the next
 * `acquireRunLock` to take over. A damaged lock file is a UserError naming it.
 */
export function liveLockHolder(dir: string): LockHolder | undefined {
    const holder = readHolder(join(dir, lockFile));
    return holder && isAlive(holder) ? holder : undefined;
}

// ---------------------------------------------------------------------------------------------

/** Creates the lock file with its whole content, or returns false when one exists. */
function tryCreate(path: string, content: string): boolean {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, content);
    try {
        linkSync(temp, path);
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e;
    } finally {
        rmSync(temp, { force: true });
    }
}

/** Registers the release on process exit too (a second Ctrl-C exits at once). */
function heldLock(path: string, content: string): RunLock {
    let held = true;
    const release = () => {
        if (!held) return;
        held = false;
        process.off("exit", release);
        try {
            if (readFileSync(path, "utf8") === content) unlinkSync(path);
        } catch (e) {
            // Already gone (someone deleted it by hand): nothing left to release.
            if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        }
    };
    process.on("exit", release);
    return { path, release };
}

/** The holder named in the lock file, undefined when there is none; damage is a UserError. */
function readHolder(path: string): LockHolder | undefined {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
    try {
        const holder = JSON.parse(text) as LockHolder;
        if (Number.isInteger(holder.pid) && typeof holder.host === "string") return holder;
    } catch {
        // Reported below with the file's name.
    }
    throw new UserError(`The lock file ${path} is damaged; delete it if no run uses this folder.`);
}

/** A holder on another host cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder): boolean {
    if (holder.host !== hostname()) return true;
    try {
        process.kill(holder.pid, 0);
        return true;
    } catch (e) {
        // EPERM: the process exists but belongs to someone else.
        return (e as NodeJS.ErrnoException).code !== "ESRCH";
    }
}

/**
 * Removes a stale lock. It is first renamed aside, an atomic step only one process can take,
 * and put back if it turns out to be a fresh lock that replaced the stale one meanwhile.
 */
function removeStale(path: string, stale: LockHolder): void {
    const aside = `${path}.${process.pid}.stale`;
    try {
        renameSync(path, aside);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
        throw e;
    }
    const moved = readHolder(aside);
    if (moved && (moved.pid !== stale.pid || moved.startedAt !== stale.startedAt)) {
        try {
            linkSync(aside, path);
        } finally {
            rmSync(aside, { force: true });
        }
        return;
    }
    rmSync(aside, { force: true });
    log.warn(
        `took over ${path}: its holder, process ${stale.pid} (${stale.purpose}, since ` +
            `${stale.startedAt}), is gone`,
    );
}
