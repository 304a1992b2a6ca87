// The training loop: one run of a TrainConfig from a fresh start or from its last checkpoint.
// Each iteration samples a batch, runs the one-graph TrainStep at the scheduled learning rate,
// and reports progress; every `eval_interval` steps it estimates the validation loss, every
// `checkpoint_interval` steps it writes a checkpoint. A diverged step (divergence.ts: non-finite
// loss, gradient norm, validation loss or weights, or a loss explosion) rolls the model back to
// the last checkpoint with half the learning rate; diverging again and again without getting
// past that checkpoint fails the run, whose last good checkpoint stays its model. Pause,
// continue and stop act between steps; stop writes a checkpoint first, so cancelling never
// loses the run.

import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type {
    EvalPoint,
    RunState,
    RunStateEvent,
    RunSummary,
    TrainConfig,
    TrainProgress,
} from "../../protocol";
import { log } from "../log";
import { UserError, type GptConfig } from "../types";
import {
    readCheckpoint,
    writeCheckpoint,
    updateCheckpointState,
    type TrainerState,
} from "./checkpoint";
import {
    modelConfigFor,
    resolveTrainConfig,
    validateTrainConfig,
    type TrainSettings,
} from "./config";
import {
    prepareData,
    tokenizerFromCheckpoint,
    type BatchSampler,
    type TrainingData,
} from "./dataset";
import { divergenceOf, nonFiniteTensor } from "./divergence";
import { createTrainStep, estimateLosses, evalPoint, finalEvalIters } from "./evaluate";
import {
    appendMetrics,
    readRunRecord,
    summaryOf,
    truncateMetrics,
    writeRunRecord,
    type RunRecord,
} from "./runFolder";
import { acquireRunLock, lockFile, type RunLock } from "./runLock";
import { lrAt } from "./schedule";
import type { TrainStep } from "./step";

export interface TrainerListener {
    progress?(p: TrainProgress): void;
    evaluation?(e: EvalPoint): void;
    state?(e: RunStateEvent): void;
}

export interface TrainerOptions {
    listener?: TrainerListener;
    /** ORT intra-op threads; overrides the run's own setting. */
    threads?: number;
    executionProviders?: string[];
    /**
     * Test hook: the steps (1-based, as reported) whose loss is replaced by NaN, to exercise the
     * rollback path; a step listed n times is made to fail the first n times it runs.
     */
    injectNonFiniteAt?: number[];
}

/** What a finished, stopped or failed run ends with. */
export interface TrainResult {
    runId: string;
    dir: string;
    state: RunState;
    step: number;
    lastLoss?: number;
    valLoss?: number;
    valPerplexity?: number;
    valBitsPerChar?: number;
    /** Median milliseconds per training iteration in this session (evaluation excluded). */
    msPerIterMedian?: number;
    lrScale: number;
    rollbacks: number;
    message?: string;
}

/**
 * A run gives up when it diverges again after this many rollbacks in a row, that is without a
 * new checkpoint past the one it keeps rolling back to.
 */
export const maxRollbacksInARow = 8;

export class Trainer {
    /** Starts a new run; everything is checked before the run folder is created. */
    static async create(settings: TrainSettings, options: TrainerOptions = {}): Promise<Trainer> {
        const config = resolveTrainConfig(settings);
        const dir = resolve(config.out);
        checkCanBeFolder(dir);
        if (existsSync(dir) && readdirSync(dir).length > 0) {
            throw new UserError(
                `The run folder ${dir} already exists and is not empty. Choose a new folder, or resume that run.`,
            );
        }
        const data = await prepareData(config);
        const modelConfig = modelConfigFor(config, data.tokenizer.vocabSize);
        const step = await createTrainStep(modelConfig, config, options);
        const runId = `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${process.pid}`;
        const record: RunRecord = {
            runId,
            // Absolute paths: resume and eval may run from any directory.
            config: { ...config, out: dir, data: config.data.map((file) => resolve(file)) },
            cwd: process.cwd(),
            createdAt: new Date().toISOString(),
            updatedAt: "",
            state: "starting",
            step: 0,
        };
        mkdirSync(dir, { recursive: true });
        const lock = acquireRunLock(dir, "train");
        try {
            // Another process may have filled the folder since the check above.
            const found = readdirSync(dir).filter((name) => name !== lockFile);
            if (found.length > 0) {
                throw new UserError(
                    `The run folder ${dir} is no longer empty (it now holds ${found[0]}). Choose a new folder.`,
                );
            }
            const trainer = new Trainer(
                dir,
                record,
                modelConfig,
                data,
                step,
                options,
                freshState(data.train),
                lock,
            );
            writeRunRecord(dir, record);
            // A checkpoint at step 0 gives rollback and resume a starting point from the outset.
            trainer.checkpoint();
            appendMetrics(dir, [
                { kind: "event", step: 0, message: `created (${describe(config, modelConfig)})` },
            ]);
            log.info(`run ${runId} in ${dir}: ${JSON.stringify(record.config)}`);
            return trainer;
        } catch (e) {
            lock.release();
            await step.dispose();
            throw e;
        }
    }

    /**
     * Continues a run from its last checkpoint. `maxIters` extends (or shortens) the run;
     * `tokenizer` names a tokenizer.json the caller expects, checked against the checkpoint's.
     */
    static async resume(
        dirArg: string,
        more: { maxIters?: number; tokenizer?: string } = {},
        options: TrainerOptions = {},
    ): Promise<Trainer> {
        const dir = resolve(dirArg);
        readRunRecord(dir);
        const lock = acquireRunLock(dir, "resume");
        try {
            return await Trainer.resumeLocked(dir, lock, more, options);
        } catch (e) {
            lock.release();
            throw e;
        }
    }

    /** `resume` once this process holds the folder's lock. */
    private static async resumeLocked(
        dir: string,
        lock: RunLock,
        more: { maxIters?: number; tokenizer?: string },
        options: TrainerOptions,
    ): Promise<Trainer> {
        // Read under the lock: the run may have moved on since a look without it.
        const record = readRunRecord(dir);
        const ckpt = readCheckpoint(dir);
        const config: TrainConfig = { ...record.config, out: dir };
        if (more.maxIters !== undefined) config.max_iters = more.maxIters;
        validateTrainConfig(config);
        if (config.max_iters < ckpt.state.step) {
            throw new UserError(
                `max_iters (${config.max_iters}) is below the checkpoint's step (${ckpt.state.step}).`,
            );
        }
        const tokenizer = tokenizerFromCheckpoint(dir, ckpt, more.tokenizer);
        const data = await prepareData(config, tokenizer);
        const step = await createTrainStep(ckpt.modelConfig, config, options);
        try {
            step.setState({ params: ckpt.params, m: ckpt.m, v: ckpt.v });
            data.train.setState(ckpt.state.sampler);
        } catch (e) {
            await step.dispose();
            throw e;
        }

        // Nothing on disk changes until every check above has passed.
        truncateMetrics(dir, ckpt.state.step);
        record.config = config;
        record.step = ckpt.state.step;
        const trainer = new Trainer(
            dir,
            record,
            ckpt.modelConfig,
            data,
            step,
            options,
            ckpt.state,
            lock,
        );
        appendMetrics(dir, [
            { kind: "event", step: ckpt.state.step, message: "resumed from checkpoint" },
        ]);
        writeRunRecord(dir, record);
        log.info(`run ${record.runId} resumed at step ${ckpt.state.step} of ${config.max_iters}`);
        return trainer;
    }

    private paused = false;
    private resumeGate: (() => void) | undefined;
    private stopRequested = false;
    private running: Promise<TrainResult> | undefined;
    private readonly injections: number[];
    private readonly stepTimes: number[] = [];
    private rollbacksInARow = 0;
    /** The step last rolled back to; a checkpoint past it ends a streak of rollbacks. */
    private rolledBackTo = -1;
    private ended = false;
    private lastLoss: number | undefined;
    private lastEval: EvalPoint | undefined;

    private constructor(
        readonly dir: string,
        private readonly record: RunRecord,
        readonly modelConfig: GptConfig,
        private readonly data: TrainingData,
        private readonly step: TrainStep,
        private readonly options: TrainerOptions,
        private state: TrainerState,
        /** Held from creation until the loop has ended (or `release()` for a run never started). */
        private readonly lock: RunLock,
    ) {
        this.injections = [...(options.injectNonFiniteAt ?? [])];
        this.lastLoss = record.lastLoss;
    }

    get runId(): string {
        return this.record.runId;
    }

    get config(): TrainConfig {
        return this.record.config;
    }

    get currentStep(): number {
        return this.state.step;
    }

    /** True from `run()` until the loop has ended and written its last checkpoint. */
    get isActive(): boolean {
        return this.running !== undefined && !this.ended;
    }

    get lrScale(): number {
        return this.state.lrScale;
    }

    summary(): RunSummary {
        return summaryOf(this.dir, this.record);
    }

    /** Runs to `max_iters` or until stopped; the same promise for repeated calls. */
    run(): Promise<TrainResult> {
        this.running ??= this.loop().finally(async () => {
            try {
                await this.step.dispose();
            } finally {
                this.lock.release();
            }
        });
        return this.running;
    }

    /** Gives up a trainer that will not run: frees its session and its folder's lock. */
    async release(): Promise<void> {
        if (this.running) {
            await this.stop();
            return;
        }
        this.lock.release();
        await this.step.dispose();
    }

    pause(): void {
        if (this.paused || !this.running) return;
        this.paused = true;
    }

    continue(): void {
        if (!this.paused) return;
        this.paused = false;
        this.resumeGate?.();
    }

    /** Stops after the current step and writes a checkpoint; resolves when that is on disk. */
    async stop(): Promise<TrainResult | undefined> {
        this.stopRequested = true;
        this.continue();
        return this.running;
    }

    private async loop(): Promise<TrainResult> {
        const c = this.record.config;
        this.setState("running");
        try {
            for (;;) {
                await this.trainSteps();
                // The last checkpoint must hold finite weights; otherwise train on from the
                // previous one (or, when stopping, end there).
                const bad = this.checkpoint();
                if (!bad) break;
                await this.rollback(this.state.step, `non-finite weights in ${bad}`);
                if (this.stopRequested) break;
            }
            return this.finish(this.state.step >= c.max_iters ? "finished" : "stopped");
        } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            // A UserError is the whole story; anything else keeps its stack for the log.
            log.error(
                `run ${this.runId} failed at step ${this.state.step}:`,
                e instanceof UserError ? message : e,
            );
            return this.finish("failed", message);
        }
    }

    /** Steps until `max_iters` or a stop request, rolling back on divergence. */
    private async trainSteps(): Promise<void> {
        const c = this.record.config;
        const tokensPerStep = c.batch_size * c.block_size;
        while (this.state.step < c.max_iters && !this.stopRequested) {
            if (this.paused) {
                await this.waitWhilePaused();
                continue;
            }
            const it = this.state.step;
            const lr = lrAt(it, c) * this.state.lrScale;
            const started = performance.now();
            const batch = this.data.train.next();
            let { loss, gradNorm } = await this.step.step(batch.x, batch.y, lr, it + 1);
            const ms = performance.now() - started;
            const injected = this.injections.indexOf(it + 1);
            if (injected >= 0) {
                this.injections.splice(injected, 1);
                loss = Number.NaN;
            }
            const diverged = divergenceOf(loss, gradNorm, this.modelConfig.vocab_size);
            if (diverged) {
                await this.rollback(it + 1, diverged);
                continue;
            }
            this.state.step = it + 1;
            this.state.elapsedSec += ms / 1000;
            this.stepTimes.push(ms);
            this.lastLoss = loss;
            this.reportProgress(loss, lr, gradNorm, tokensPerStep);

            const last = this.state.step === c.max_iters;
            if (this.state.step % c.eval_interval === 0 || last) {
                const bad = await this.evaluate(last ? finalEvalIters(c.eval_iters) : c.eval_iters);
                if (bad) {
                    await this.rollback(this.state.step, bad);
                    continue;
                }
            }
            if (this.state.step % c.checkpoint_interval === 0 && !last) {
                const bad = this.checkpoint();
                if (bad) await this.rollback(this.state.step, `non-finite weights in ${bad}`);
            }
        }
    }

    private async waitWhilePaused(): Promise<void> {
        // The checkpoint makes a paused run safe to abandon (e.g. the editor closes).
        const bad = this.checkpoint();
        if (bad) {
            await this.rollback(this.state.step, `non-finite weights in ${bad}`);
            if (!this.paused) return;
        }
        this.setState("paused");
        await new Promise<void>((resolveGate) => {
            this.resumeGate = resolveGate;
            if (!this.paused) resolveGate();
        });
        this.resumeGate = undefined;
        if (!this.stopRequested) this.setState("running");
    }

    private reportProgress(
        loss: number,
        lr: number,
        gradNorm: number,
        tokensPerStep: number,
    ): void {
        const c = this.record.config;
        const recent = this.stepTimes.slice(-20);
        const msPerIter = recent.reduce((a, b) => a + b, 0) / recent.length;
        const progress: TrainProgress = {
            runId: this.runId,
            step: this.state.step,
            maxIters: c.max_iters,
            loss,
            lr,
            gradNorm,
            tokensPerSec: (tokensPerStep * 1000) / msPerIter,
            msPerIter,
            etaSec: ((c.max_iters - this.state.step) * msPerIter) / 1000,
            elapsedSec: this.state.elapsedSec,
        };
        const { runId: _runId, ...record } = progress;
        appendMetrics(this.dir, [{ kind: "train", ...record }]);
        this.options.listener?.progress?.(progress);
    }

    /** Evaluates and reports; a non-finite loss is returned as a divergence, not reported. */
    private async evaluate(iters: number): Promise<string | undefined> {
        const c = this.record.config;
        const losses = await estimateLosses(this.step, this.data, c.seed, iters);
        if (!Number.isFinite(losses.val) || !Number.isFinite(losses.train)) {
            return `non-finite evaluation loss (train ${losses.train}, validation ${losses.val})`;
        }
        const point = evalPoint(this.runId, this.state.step, losses, this.data.charsPerToken);
        this.lastEval = point;
        if (this.state.bestValLoss === null || losses.val < this.state.bestValLoss) {
            this.state.bestValLoss = losses.val;
        }
        const { runId: _runId, ...record } = point;
        appendMetrics(this.dir, [{ kind: "eval", ...record }]);
        this.record.lastValLoss = losses.val;
        this.options.listener?.evaluation?.(point);
        return undefined;
    }

    /**
     * Restores the last checkpoint with half the learning rate after a divergence (`reason`
     * says which), or fails the run when that has not helped `maxRollbacksInARow` times.
     */
    private async rollback(badStep: number, reason: string): Promise<void> {
        this.rollbacksInARow++;
        if (this.rollbacksInARow > maxRollbacksInARow) {
            // The run ends where its files are: at the last good checkpoint.
            this.state = { ...readCheckpoint(this.dir).state, rollbacks: this.state.rollbacks };
            throw new UserError(
                `The run diverged again after ${maxRollbacksInARow} rollbacks in a row: ${reason} at ` +
                    `step ${badStep}, with the learning rate scaled down to ${this.state.lrScale}. ` +
                    `It stops at its last good checkpoint (step ${this.rolledBackTo}); ` +
                    "try a lower learning rate (--lr).",
            );
        }
        const ckpt = readCheckpoint(this.dir);
        this.rolledBackTo = ckpt.state.step;
        this.step.setState({ params: ckpt.params, m: ckpt.m, v: ckpt.v });
        this.data.train.setState(ckpt.state.sampler);
        this.state = {
            ...ckpt.state,
            lrScale: this.state.lrScale / 2,
            rollbacks: this.state.rollbacks + 1,
            elapsedSec: this.state.elapsedSec,
        };
        updateCheckpointState(this.dir, this.state);
        const message =
            `${reason} at step ${badStep}: rolled back to step ${ckpt.state.step}, ` +
            `learning rate scale now ${this.state.lrScale}`;
        log.warn(`run ${this.runId}: ${message}`);
        appendMetrics(this.dir, [{ kind: "event", step: badStep, message }]);
        this.record.step = this.state.step;
        this.options.listener?.state?.({ runId: this.runId, state: "running", message });
    }

    /**
     * Writes a checkpoint of the current state, unless a weight or moment is not finite: then
     * nothing is written and the offending tensor is returned.
     */
    private checkpoint(): string | undefined {
        const { params, m, v } = this.step.getState();
        const bad = nonFiniteTensor(params) ?? nonFiniteTensor(m) ?? nonFiniteTensor(v);
        if (bad) return bad;
        if (this.state.step > this.rolledBackTo) this.rollbacksInARow = 0;
        writeCheckpoint(this.dir, {
            modelConfig: this.modelConfig,
            tokenizer: this.data.tokenizer.toJSON(),
            params,
            m,
            v,
            state: { ...this.state, sampler: this.data.train.getState() },
        });
        this.record.step = this.state.step;
        this.record.lastLoss = this.lastLoss;
        writeRunRecord(this.dir, this.record);
        return undefined;
    }

    private finish(state: RunState, message?: string): TrainResult {
        this.ended = true;
        this.setState(state, message);
        const sorted = [...this.stepTimes].sort((a, b) => a - b);
        return {
            runId: this.runId,
            dir: this.dir,
            state,
            step: this.state.step,
            lastLoss: this.lastLoss,
            valLoss: this.lastEval?.valLoss,
            valPerplexity: this.lastEval?.valPerplexity,
            valBitsPerChar: this.lastEval?.valBitsPerChar,
            msPerIterMedian: sorted.length ? median(sorted) : undefined,
            lrScale: this.state.lrScale,
            rollbacks: this.state.rollbacks,
            message,
        };
    }

    private setState(state: RunState, message?: string): void {
        this.record.state = state;
        this.record.message = message;
        this.record.lastLoss = this.lastLoss;
        writeRunRecord(this.dir, this.record);
        if (state !== "running") {
            const text = message ? `${state}: ${message}` : state;
            appendMetrics(this.dir, [{ kind: "event", step: this.state.step, message: text }]);
        }
        this.options.listener?.state?.({ runId: this.runId, state, message });
    }
}

/** The median of an ascending array. */
export function median(sorted: number[]): number {
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Refuses a run folder path that is a file, or lies below one, before anything is created. */
function checkCanBeFolder(dir: string): void {
    let existing = dir;
    while (!existsSync(existing)) {
        const parent = dirname(existing);
        if (parent === existing) return;
        existing = parent;
    }
    if (statSync(existing).isDirectory()) return;
    throw new UserError(
        existing === dir
            ? `The run folder ${dir} is an existing file, not a folder. Choose a new folder for the run.`
            : `The run folder ${dir} cannot be created: ${existing} is a file, not a folder.`,
    );
}

function freshState(sampler: BatchSampler): TrainerState {
    return {
        step: 0,
        sampler: sampler.getState(),
        lrScale: 1,
        rollbacks: 0,
        bestValLoss: null,
        elapsedSec: 0,
    };
}

function describe(c: TrainConfig, m: GptConfig): string {
    return (
        `${c.preset ?? "custom"}: ${m.n_layer} layers, ${m.n_head} heads, ${m.n_embd} channels, ` +
        `context ${m.block_size}, vocabulary ${m.vocab_size} (${c.tokenizer})`
    );
}
