// `lm-lab train`, `resume`, `eval` and `bench`: the trainer driven from a terminal or a script.
// With --json each ends with one JSON object on its own line (the contract scripts read).

import { resolve } from "node:path";
import { Trainer, median, type TrainResult } from "../engine/train/trainer";
import { evaluateRun, createTrainStep } from "../engine/train/evaluate";
import { modelConfigFor, resolveTrainConfig } from "../engine/train/config";
import { prepareData } from "../engine/train/dataset";
import { lrAt } from "../engine/train/schedule";
import { UserError } from "../engine/types";
import { formatOptions, parseArgs, type OptionSpec } from "./args";
import { processOutput, reporter, type Output } from "./reporter";
import { runtimeFrom } from "./runtimeOptions";
import {
    commonOptions,
    corpusOptions,
    hyperParameterOptions,
    trainSettingsFrom,
} from "./trainOptions";

const trainSpecs: OptionSpec[] = [
    ...corpusOptions,
    { name: "out", kind: "string", help: "run folder to create (required)" },
    ...hyperParameterOptions,
    ...commonOptions,
];
const resumeSpecs: OptionSpec[] = [
    {
        name: "iters",
        key: "max_iters",
        kind: "int",
        help: "train up to this many iterations in all",
    },
    { name: "tokenizer", kind: "string", help: "tokenizer.json that must match the checkpoint's" },
    ...commonOptions,
];
const evalSpecs: OptionSpec[] = [
    {
        name: "eval-iters",
        key: "eval_iters",
        kind: "int",
        help: "validation batches (default 200)",
    },
    ...commonOptions,
];
const benchSpecs: OptionSpec[] = [
    ...corpusOptions,
    ...hyperParameterOptions.filter((s) => s.name !== "iters" && s.name !== "max-iters"),
    { name: "iters", kind: "int", help: "timed iterations (default 50)" },
    { name: "warmup", kind: "int", help: "untimed iterations first (default 5)" },
    ...commonOptions,
];

/** How --json output is keyed; scripts read the snake_case result line. */
const jsonNote = `
With --json, stdout carries one JSON object per line: events ("type" progress, eval, state) with
the protocol's camelCase fields (runId, valLoss, msPerIter), then one "type":"result" line with
snake_case fields (run_id, val_loss, ms_per_iter_median, ...), the stable contract for scripts.
Exit codes: 0 done or stopped, 1 the run failed (e.g. it diverged), 2 bad arguments or input.`;

export const trainCommandHelp: Record<string, string> = {
    train: `lm-lab train --data FILE... --out DIR [--preset NAME] [options]\n\n${formatOptions(trainSpecs)}\n${jsonNote}`,
    resume: `lm-lab resume DIR [--iters N] [options]\n\n${formatOptions(resumeSpecs)}\n${jsonNote}`,
    eval: `lm-lab eval DIR [--eval-iters N] [options]\n\n${formatOptions(evalSpecs)}`,
    bench: `lm-lab bench --data FILE... [--preset NAME] [--iters N] [--warmup N] [options]\n\n${formatOptions(benchSpecs)}`,
};

export async function trainCommand(argv: string[], out: Output = processOutput): Promise<number> {
    const { options, positionals } = parseArgs(argv, trainSpecs);
    if (options.help) return help("train", out);
    if (positionals.length > 0)
        throw new UserError(
            `Unexpected argument "${positionals[0]}" (data files go after --data).`,
        );
    if (!options.out) throw new UserError("--out DIR is required: the run folder to create.");
    const json = Boolean(options.json);
    const listener = reporter(json, out);
    const trainer = await Trainer.create(
        { ...trainSettingsFrom(options), out: options.out as string },
        { listener, executionProviders: runtimeFrom(options).executionProviders },
    );
    if (!json)
        out.line(
            `training in ${trainer.dir} (${trainer.config.max_iters} iterations); Ctrl-C stops and keeps a checkpoint`,
        );
    return finishRun(trainer, json, out, listener.done);
}

export async function resumeCommand(argv: string[], out: Output = processOutput): Promise<number> {
    const { options, positionals } = parseArgs(argv, resumeSpecs);
    if (options.help) return help("resume", out);
    if (positionals.length !== 1)
        throw new UserError("resume needs exactly one run folder: lm-lab resume DIR.");
    const json = Boolean(options.json);
    const listener = reporter(json, out);
    const trainer = await Trainer.resume(
        positionals[0],
        {
            maxIters: options.max_iters as number | undefined,
            tokenizer: options.tokenizer as string | undefined,
        },
        { listener, ...runtimeFrom(options) },
    );
    if (!json)
        out.line(
            `resuming ${trainer.dir} at step ${trainer.currentStep} of ${trainer.config.max_iters}`,
        );
    return finishRun(trainer, json, out, listener.done);
}

export async function evalCommand(argv: string[], out: Output = processOutput): Promise<number> {
    const { options, positionals } = parseArgs(argv, evalSpecs);
    if (options.help) return help("eval", out);
    if (positionals.length !== 1)
        throw new UserError("eval needs exactly one run folder: lm-lab eval DIR.");
    const started = performance.now();
    const point = await evaluateRun(positionals[0], {
        evalIters: options.eval_iters as number | undefined,
        ...runtimeFrom(options),
    });
    const seconds = (performance.now() - started) / 1000;
    if (options.json) {
        out.line(
            JSON.stringify({
                type: "result",
                dir: resolve(positionals[0]),
                step: point.step,
                eval_iters: point.evalIters,
                train_loss: point.trainLoss,
                val_loss: point.valLoss,
                val_perplexity: point.valPerplexity,
                val_bits_per_char: point.valBitsPerChar,
                seconds,
            }),
        );
    } else {
        out.line(
            `step ${point.step}: val loss ${point.valLoss.toFixed(4)}, perplexity ${point.valPerplexity.toFixed(3)}, ` +
                `${point.valBitsPerChar.toFixed(4)} bits/char (train loss ${point.trainLoss.toFixed(4)}; ${seconds.toFixed(1)} s)`,
        );
    }
    return 0;
}

/** Times training steps without a run folder: `iters` steps after `warmup` untimed ones. */
export async function benchCommand(argv: string[], out: Output = processOutput): Promise<number> {
    const { options, positionals } = parseArgs(argv, benchSpecs);
    if (options.help) return help("bench", out);
    if (positionals.length > 0) throw new UserError(`Unexpected argument "${positionals[0]}".`);
    const iters = (options.iters as number | undefined) ?? 50;
    const warmup = (options.warmup as number | undefined) ?? 5;
    if (iters < 1 || warmup < 0)
        throw new UserError(
            `--iters must be >= 1 and --warmup >= 0; found ${iters} and ${warmup}.`,
        );
    // Flags are checked before the corpus is read and tokenized, which takes seconds.
    const { executionProviders } = runtimeFrom(options);
    const config = resolveTrainConfig({
        ...trainSettingsFrom(options),
        out: "(bench: no run folder)",
    });
    const data = await prepareData(config);
    const model = modelConfigFor(config, data.tokenizer.vocabSize);
    const step = await createTrainStep(model, config, { executionProviders });
    const times: number[] = [];
    try {
        for (let i = 0; i < warmup + iters; i++) {
            const started = performance.now();
            const batch = data.train.next();
            const { loss } = await step.step(batch.x, batch.y, lrAt(i, config), i + 1);
            const ms = performance.now() - started;
            if (!Number.isFinite(loss))
                throw new Error(`non-finite loss ${loss} at bench step ${i + 1}`);
            if (i >= warmup) times.push(ms);
            if (!options.json && out.isTTY)
                out.status(`\r\x1b[Kstep ${i + 1}/${warmup + iters} ${ms.toFixed(1)} ms`);
        }
    } finally {
        await step.dispose();
    }
    if (!options.json && out.isTTY) out.status("\r\x1b[K");
    const sorted = [...times].sort((a, b) => a - b);
    const result = {
        type: "result",
        preset: config.preset,
        iters,
        warmup,
        threads: config.threads ?? 0,
        ms_per_iter_median: round(median(sorted), 3),
        ms_per_iter_mean: round(times.reduce((a, b) => a + b, 0) / times.length, 3),
        ms_per_iter_min: round(sorted[0], 3),
        tokens_per_sec: Math.round((config.batch_size * config.block_size * 1000) / median(sorted)),
    };
    if (options.json) out.line(JSON.stringify(result));
    else
        out.line(
            `${iters} steps: median ${result.ms_per_iter_median} ms/iter (min ${result.ms_per_iter_min}, mean ${result.ms_per_iter_mean}), ${result.tokens_per_sec} tokens/s`,
        );
    return 0;
}

/** Runs to the end; the first Ctrl-C stops with a checkpoint, a second one exits at once. */
async function finishRun(
    trainer: Trainer,
    json: boolean,
    out: Output,
    done: () => void,
): Promise<number> {
    let interrupts = 0;
    const onSignal = () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write(
            "\nstopping: writing a checkpoint (Ctrl-C again to quit without it)\n",
        );
        void trainer.stop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const started = performance.now();
    let result: TrainResult;
    try {
        result = await trainer.run();
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        done();
    }
    const seconds = (performance.now() - started) / 1000;
    if (json) {
        out.line(
            JSON.stringify({
                type: "result",
                run_id: result.runId,
                dir: result.dir,
                state: result.state,
                step: result.step,
                loss: result.lastLoss ?? null,
                val_loss: result.valLoss ?? null,
                val_perplexity: result.valPerplexity ?? null,
                val_bits_per_char: result.valBitsPerChar ?? null,
                ms_per_iter_median:
                    result.msPerIterMedian !== undefined ? round(result.msPerIterMedian, 3) : null,
                train_seconds: round(seconds, 1),
                lr_scale: result.lrScale,
                rollbacks: result.rollbacks,
                max_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
                message: result.message ?? null,
            }),
        );
    } else {
        const val = result.valLoss !== undefined ? `, val loss ${result.valLoss.toFixed(4)}` : "";
        out.line(
            `${result.state} at step ${result.step}${val}; ${seconds.toFixed(1)} s; run folder ${result.dir}`,
        );
    }
    if (result.state === "failed") {
        process.stderr.write(`error: ${result.message}\n`);
        return 1;
    }
    return 0;
}

function help(command: string, out: Output): number {
    out.line(trainCommandHelp[command]);
    return 0;
}

function round(x: number, digits: number): number {
    const f = 10 ** digits;
    return Math.round(x * f) / f;
}
