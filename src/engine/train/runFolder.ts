// A run folder's bookkeeping files: `run.json` (the run's settings and state) and
// `metrics.jsonl` (one MetricsRecord per line), plus listing the runs under a folder.
// Checkpoint files live beside them and are handled by checkpoint.ts.

import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { MetricsRecord, RunState, RunSummary, TrainConfig } from "../../protocol";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic";
import { log } from "../log";
import { UserError } from "../types";
import { hasCheckpoint } from "./checkpoint";
import { liveLockHolder } from "./runLock";

/** The contents of `run.json`. */
export interface RunRecord {
    runId: string;
    /** Its data files are absolute paths (older runs may hold paths relative to `cwd`). */
    config: TrainConfig;
    /** The working directory of the `train` that created the run. */
    cwd?: string;
    createdAt: string;
    updatedAt: string;
    state: RunState;
    step: number;
    lastLoss?: number;
    lastValLoss?: number;
    message?: string;
}

export const runFile = "run.json";
export const metricsFile = "metrics.jsonl";

/**
 * Reads `run.json`, or throws a UserError saying the folder is not a run. Relative data paths
 * (written by older versions) come back absolute: see `resolveDataPath`.
 */
export function readRunRecord(dir: string): RunRecord {
    const path = join(dir, runFile);
    if (!existsSync(path)) {
        throw new UserError(`${dir} is not an LM Lab run folder: ${runFile} is missing.`);
    }
    let record: RunRecord;
    try {
        record = JSON.parse(readFileSync(path, "utf8")) as RunRecord;
    } catch (e) {
        throw new UserError(`${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (
        !record ||
        typeof record !== "object" ||
        !record.config ||
        typeof record.step !== "number"
    ) {
        throw new UserError(`${path} does not describe a run (config and step are required).`);
    }
    if (Array.isArray(record.config.data)) {
        record.config.data = record.config.data.map((file) => resolveDataPath(dir, record, file));
    }
    return record;
}

/**
 * A data path of a run as an absolute path. A relative one was relative to the directory the run
 * was created from: the recorded `cwd` if there is one, else most likely the run folder's parent
 * (`train --out DIR` from there); the first candidate where the file exists wins.
 */
export function resolveDataPath(dir: string, record: Pick<RunRecord, "cwd">, file: string): string {
    if (isAbsolute(file)) return file;
    const bases = [record.cwd, dirname(resolve(dir))].filter((b): b is string => !!b);
    const candidates = bases.map((base) => resolve(base, file));
    return candidates.find((path) => existsSync(path)) ?? candidates[0];
}

export function writeRunRecord(dir: string, record: RunRecord): void {
    writeJsonAtomic(join(dir, runFile), { ...record, updatedAt: new Date().toISOString() });
}

/**
 * The listing of a run. A run whose run.json says starting, running or paused while no live
 * process holds its lock was interrupted (its trainer crashed or was killed): it is reported as
 * "stopped" with `interrupted` set, so that it can be resumed from its checkpoint.
 */
export function summaryOf(dir: string, record: RunRecord): RunSummary {
    const interrupted = isLiveState(record.state) && !isHeld(dir);
    return {
        runId: record.runId,
        dir: resolve(dir),
        state: interrupted ? "stopped" : record.state,
        step: record.step,
        maxIters: record.config.max_iters,
        config: record.config,
        lastLoss: record.lastLoss,
        lastValLoss: record.lastValLoss,
        createdAt: record.createdAt,
        hasCheckpoint: hasCheckpoint(dir),
        ...(interrupted ? { interrupted } : {}),
    };
}

/** Appends records to `metrics.jsonl`; a line is written whole or not at all by one append. */
export function appendMetrics(dir: string, records: MetricsRecord[]): void {
    if (records.length === 0) return;
    appendFileSync(join(dir, metricsFile), records.map((r) => JSON.stringify(r) + "\n").join(""));
}

/**
 * Reads `metrics.jsonl`. A torn last line (the process died mid-append) is skipped; any other
 * unreadable line is an error naming the line.
 */
export function readMetrics(dir: string): MetricsRecord[] {
    const path = join(dir, metricsFile);
    if (!existsSync(path)) {
        if (!existsSync(join(dir, runFile))) {
            throw new UserError(`${dir} is not an LM Lab run folder: ${runFile} is missing.`);
        }
        return [];
    }
    const lines = readFileSync(path, "utf8").split("\n");
    const records: MetricsRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i].trim();
        if (!line) continue;
        try {
            records.push(JSON.parse(line) as MetricsRecord);
        } catch (e) {
            const isLast = lines.slice(i + 1).every((l) => !l.trim());
            if (isLast) continue;
            throw new UserError(`${path} line ${i + 1} is not valid JSON: ${(e as Error).message}`);
        }
    }
    return records;
}

/**
 * Drops step records past `step` (written after the checkpoint a run resumes from), so the log
 * reads as one uninterrupted run. Events are kept: they record what happened.
 */
export function truncateMetrics(dir: string, step: number): void {
    const path = join(dir, metricsFile);
    if (!existsSync(path)) return;
    const kept = readMetrics(dir).filter((r) => r.kind === "event" || r.step <= step);
    writeFileAtomic(path, kept.map((r) => JSON.stringify(r) + "\n").join(""));
}

/** Every run folder directly under `root` (and `root` itself if it is one), newest first. */
export function listRuns(root: string): RunSummary[] {
    if (!existsSync(root)) return [];
    if (!statSync(root).isDirectory()) throw new UserError(`${root} is not a folder.`);
    const dirs = [root, ...readdirSync(root).map((name) => join(root, name))];
    const runs: RunSummary[] = [];
    for (const dir of dirs) {
        if (!existsSync(join(dir, runFile))) continue;
        try {
            runs.push(summaryOf(dir, readRunRecord(dir)));
        } catch (e) {
            // One damaged folder must not hide the others; it is reported and skipped.
            if (!(e instanceof UserError)) throw e;
            runs.push(damagedSummary(dir, e.message));
        }
    }
    return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function isLiveState(state: RunState): boolean {
    return state === "starting" || state === "running" || state === "paused";
}

/** Whether a live process holds the run's lock; a damaged lock counts as not held (warned). */
function isHeld(dir: string): boolean {
    try {
        return liveLockHolder(dir) !== undefined;
    } catch (e) {
        if (!(e instanceof UserError)) throw e;
        log.warn(e.message);
        return false;
    }
}

/** A run whose run.json cannot be read: listed as failed, so that it is seen and not hidden. */
function damagedSummary(dir: string, message: string): RunSummary {
    log.warn(`run folder ${dir} is damaged: ${message}`);
    return {
        runId: basename(dir),
        dir: resolve(dir),
        state: "failed",
        step: 0,
        maxIters: 0,
        config: { out: dir, data: [] } as unknown as TrainConfig,
        createdAt: "",
        hasCheckpoint: false,
    };
}
