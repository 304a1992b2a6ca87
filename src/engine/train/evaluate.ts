// Loss estimates over many batches, during training and for a finished run (`lm-lab eval`).
// Evaluation draws its batches from samplers of its own with fixed seeds, so it never disturbs
// the training sampler (exact resume) and every evaluation of a run sees the same batches,
// which makes successive points comparable.

import { resolve } from "node:path";
import type { EvalPoint, TrainConfig } from "../../protocol";
import { UserError, type GptConfig } from "../types";
import { readCheckpoint } from "./checkpoint";
import { prepareData, tokenizerFromCheckpoint, type TrainingData } from "./dataset";
import { readRunRecord } from "./runFolder";
import { TrainStep } from "./step";

/** Batches for the last evaluation of a run: enough for a figure stable to about ±0.01. */
export const finalEvalBatches = 200;

export function finalEvalIters(evalIters: number): number {
    return Math.max(evalIters, finalEvalBatches);
}

/** Mean loss over `iters` batches of each split. */
export async function estimateLosses(
    step: Pick<TrainStep, "evalLoss">,
    data: TrainingData,
    seed: number,
    iters: number,
): Promise<{ train: number; val: number }> {
    const out = { train: 0, val: 0 };
    for (const split of ["train", "val"] as const) {
        // Seeds apart from the training sampler's; fixed, so evaluations compare like with like.
        const sampler = data.sampler(split, seed + (split === "train" ? 7919 : 104729));
        let sum = 0;
        for (let i = 0; i < iters; i++) {
            const batch = sampler.next();
            sum += await step.evalLoss(batch.x, batch.y);
        }
        out[split] = sum / iters;
    }
    return out;
}

/** An evaluation point from mean losses; perplexity and bits per character follow from `val`. */
export function evalPoint(
    runId: string,
    step: number,
    losses: { train: number; val: number },
    charsPerToken: number,
): EvalPoint {
    return {
        runId,
        step,
        trainLoss: losses.train,
        valLoss: losses.val,
        valPerplexity: Math.exp(losses.val),
        valBitsPerChar: losses.val / Math.LN2 / charsPerToken,
    };
}

/** A TrainStep for a run's model and optimizer settings. */
export function createTrainStep(
    model: GptConfig,
    c: TrainConfig,
    options: { threads?: number; executionProviders?: string[] },
): Promise<TrainStep> {
    return TrainStep.create(
        model,
        {
            beta1: c.beta1,
            beta2: c.beta2,
            eps: 1e-8,
            weightDecay: c.weight_decay,
            gradClip: c.grad_clip,
        },
        c.batch_size,
        {
            threads: options.threads ?? c.threads,
            seed: c.seed,
            executionProviders: options.executionProviders,
        },
    );
}

/** Evaluates a run's last checkpoint over `evalIters` batches (default: the final-evaluation count). */
export async function evaluateRun(
    dirArg: string,
    options: { evalIters?: number; threads?: number; executionProviders?: string[] } = {},
): Promise<EvalPoint & { evalIters: number }> {
    const dir = resolve(dirArg);
    const record = readRunRecord(dir);
    const evalIters = options.evalIters ?? finalEvalIters(record.config.eval_iters);
    if (!Number.isInteger(evalIters) || evalIters < 1) {
        throw new UserError(
            `eval iterations must be an integer of at least 1, found ${evalIters}.`,
        );
    }
    const ckpt = readCheckpoint(dir);
    const tokenizer = tokenizerFromCheckpoint(dir, ckpt);
    const c = record.config;
    const data = await prepareData(c, tokenizer);
    const step = await createTrainStep(ckpt.modelConfig, c, options);
    try {
        step.setState({ params: ckpt.params, m: ckpt.m, v: ckpt.v });
        const losses = await estimateLosses(step, data, c.seed, evalIters);
        return { ...evalPoint(record.runId, ckpt.state.step, losses, data.charsPerToken), evalIters };
    } finally {
        await step.dispose();
    }
}
