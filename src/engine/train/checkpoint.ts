// Checkpoints of a run: weights, optimizer moments and trainer state, written so that a
// checkpoint is visible only once complete. All files go to `checkpoint.tmp/`, which then
// replaces `checkpoint/` by renames (the previous one survives as `checkpoint.old/` until the
// new one is in place). The model files are then also published at the top of the run folder,
// which makes the folder loadable like a Hugging Face GPT-2 folder.

import {
    copyFileSync,
    existsSync,
    linkSync,
    mkdirSync,
    renameSync,
    rmSync,
} from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../io/atomic";
import { UserError, type GptConfig } from "../types";
import { readTensorFile, writeTensorFile } from "./tensorFiles";
import { gptConfigFromHf, gptConfigToHf } from "../io/hfConfig";
import { readJsonFile } from "../io/jsonFile";

/** Everything besides tensors that exact resume needs. */
export interface TrainerState {
    /** Iterations completed. */
    step: number;
    /** The training batch sampler's state after `step` batches. */
    sampler: unknown;
    /** Multiplier on the scheduled learning rate; halved on each rollback. */
    lrScale: number;
    rollbacks: number;
    bestValLoss: number | null;
    /** Training seconds before this checkpoint, summed over sessions. */
    elapsedSec: number;
}

export interface Checkpoint {
    modelConfig: GptConfig;
    /** The tokenizer's `tokenizer.json` document. */
    tokenizer: object;
    params: Map<string, Float32Array>;
    m: Map<string, Float32Array>;
    v: Map<string, Float32Array>;
    state: TrainerState;
}

export const checkpointDir = "checkpoint";
const tempDir = "checkpoint.tmp";
const oldDir = "checkpoint.old";
/** Files published at the run folder's top level for model loaders. */
const publishedFiles = ["config.json", "tokenizer.json", "model.safetensors"];

/** Writes a complete checkpoint, then swaps it in; a crash at any point leaves a whole one. */
export function writeCheckpoint(runDir: string, c: Checkpoint): void {
    const tmp = join(runDir, tempDir);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const meta = { step: String(c.state.step), format: "pt" };
    writeTensorFile(join(tmp, "model.safetensors"), c.params, c.modelConfig, meta);
    const moments = new Map<string, Float32Array>();
    for (const [name, data] of c.m) moments.set(`m.${name}`, data);
    for (const [name, data] of c.v) moments.set(`v.${name}`, data);
    writeTensorFile(join(tmp, "optimizer.safetensors"), moments, c.modelConfig, meta);
    writeJsonAtomic(join(tmp, "config.json"), gptConfigToHf(c.modelConfig));
    writeJsonAtomic(join(tmp, "tokenizer.json"), c.tokenizer);
    writeJsonAtomic(join(tmp, "trainer_state.json"), c.state);

    const current = join(runDir, checkpointDir);
    const old = join(runDir, oldDir);
    rmSync(old, { recursive: true, force: true });
    if (existsSync(current)) renameSync(current, old);
    renameSync(tmp, current);
    rmSync(old, { recursive: true, force: true });
    publish(runDir, current);
}

/** The folder holding the last complete checkpoint, or undefined when there is none. */
export function findCheckpoint(runDir: string): string | undefined {
    for (const name of [checkpointDir, oldDir]) {
        const dir = join(runDir, name);
        if (existsSync(join(dir, "trainer_state.json"))) return dir;
    }
    return undefined;
}

export function hasCheckpoint(runDir: string): boolean {
    return findCheckpoint(runDir) !== undefined;
}

/** Reads the last complete checkpoint; a UserError names the missing or damaged file. */
export function readCheckpoint(runDir: string): Checkpoint {
    const dir = findCheckpoint(runDir);
    if (!dir)
        throw new UserError(
            `${runDir} has no checkpoint to resume from (no ${checkpointDir}/ folder).`,
        );
    const modelConfig = gptConfigFromHf(readJson(join(dir, "config.json")));
    const tokenizer = readJson(join(dir, "tokenizer.json")) as object;
    const state = readJson(join(dir, "trainer_state.json")) as TrainerState;
    if (typeof state.step !== "number" || typeof state.lrScale !== "number") {
        throw new UserError(`${join(dir, "trainer_state.json")} lacks step or lrScale.`);
    }
    const params = readTensorFile(join(dir, "model.safetensors"));
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [name, data] of readTensorFile(join(dir, "optimizer.safetensors"))) {
        if (name.startsWith("m.")) m.set(name.slice(2), data);
        else if (name.startsWith("v.")) v.set(name.slice(2), data);
        else
            throw new UserError(
                `optimizer.safetensors in ${dir} holds an unexpected tensor "${name}".`,
            );
    }
    for (const name of params.keys()) {
        if (!m.has(name) || !v.has(name)) {
            throw new UserError(`optimizer.safetensors in ${dir} lacks the moments of "${name}".`);
        }
    }
    return { modelConfig, tokenizer, params, m, v, state };
}

/** Rewrites only trainer_state.json of the current checkpoint (e.g. a new learning-rate scale). */
export function updateCheckpointState(runDir: string, state: TrainerState): void {
    const dir = findCheckpoint(runDir);
    if (!dir) throw new UserError(`${runDir} has no checkpoint to update.`);
    writeJsonAtomic(join(dir, "trainer_state.json"), state);
}

/** Hard-links (or copies) each model file to the top of the run folder, one atomic rename each. */
function publish(runDir: string, from: string): void {
    for (const name of publishedFiles) {
        const target = join(runDir, name);
        const temp = join(runDir, `.${name}.publish.tmp`);
        rmSync(temp, { force: true });
        try {
            linkSync(join(from, name), temp);
        } catch {
            // File systems without hard links get a copy; same result, more bytes.
            copyFileSync(join(from, name), temp);
        }
        renameSync(temp, target);
    }
}

function readJson(path: string): unknown {
    if (!existsSync(path)) throw new UserError(`Checkpoint file ${path} is missing.`);
    return readJsonFile(path, "Checkpoint file");
}
