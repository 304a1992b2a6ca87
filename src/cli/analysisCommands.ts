// The `lm-lab analyze | attention | generate | export` commands, on any model loadModel opens
// (LM Lab run folder, Hugging Face GPT-2 folder, .onnx file). With --json each prints one JSON
// document on stdout (the protocol's result types); without it, a readable table or the text.

import { analyze } from "../engine/analysis/analyze";
import { readTextFile } from "../engine/data/corpus";
import { attention } from "../engine/analysis/attention";
import { generate } from "../engine/analysis/generate";
import { loadModel } from "../engine/io/loadModel";
import { log } from "../engine/log";
import type { LanguageModel } from "../engine/types";
import { UserError } from "../engine/types";
import type { AnalyzeResult, AttentionResult } from "../protocol";
import { formatOptions, parseArgs, type OptionSpec } from "./args";
import { outputOptions, runtimeFrom, runtimeOptions } from "./runtimeOptions";

/** Where a command writes; the process's streams unless a caller (a test) captures them. */
export interface CommandOutput {
    out(text: string): void;
    err(text: string): void;
}

const processOutput: CommandOutput = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
};

/** Runs `lm-lab <name> ...argv`; returns the exit code (0 ok, 1 failure, 2 bad arguments or input). */
export async function runAnalysisCommand(name: string, argv: string[], io: CommandOutput = processOutput): Promise<number> {
    const command = commands[name];
    if (!command) {
        io.err(`lm-lab: unknown analysis command "${name}" (${Object.keys(commands).join(", ")})\n`);
        return 2;
    }
    try {
        const { options, positionals } = parseArgs(argv, [...command.specs, ...commonSpecs]);
        if (options.help) {
            io.out(`Usage: lm-lab ${name} ${command.usage}\n\n${formatOptions([...command.specs, ...commonSpecs])}\n`);
            return 0;
        }
        if (positionals.length > 0) throw new UserError(`unexpected argument "${positionals[0]}"`);
        if (options.json) log.setStderr(false);
        if (typeof options.model !== "string") throw new UserError("--model PATH is required (a model folder or .onnx file)");
        if (options.maxTokens !== undefined && (options.maxTokens as number) < 1) {
            throw new UserError(`--max-tokens must be at least 1, found ${options.maxTokens as number}`);
        }
        const model = await loadModel(options.model, {
            tokenizer: options.tokenizer as string | undefined,
            ...runtimeFrom(options),
        });
        try {
            await command.run(model, options, io);
        } finally {
            await model.dispose();
        }
        return 0;
    } catch (err) {
        if (err instanceof UserError) {
            io.err(`lm-lab ${name}: ${err.message}\n`);
            return 2;
        }
        io.err(`lm-lab ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        return 1;
    } finally {
        log.setStderr(true);
    }
}

// ---------------------------------------------------------------------------------------------
// Commands

type Options = Record<string, unknown>;

interface Command {
    usage: string;
    specs: OptionSpec[];
    run(model: LanguageModel, options: Options, io: CommandOutput): Promise<void>;
}

const commonSpecs: OptionSpec[] = [
    { name: "model", kind: "string", help: "model folder (config.json + model.safetensors) or .onnx file" },
    { name: "tokenizer", kind: "string", help: "tokenizer.json to use instead of the one beside the model" },
    ...runtimeOptions,
    ...outputOptions("print JSON instead of a table"),
];

const textSpecs: OptionSpec[] = [
    { name: "text", kind: "string", help: "text to analyse" },
    { name: "file", kind: "string", help: "file whose text to analyse (UTF-8)" },
    { name: "max-tokens", kind: "int", key: "maxTokens", help: "analyse at most this many tokens" },
];

const commands: Record<string, Command> = {
    analyze: {
        usage: "--model PATH (--text T | --file F) [--top-k K] [--json]",
        specs: [...textSpecs, { name: "top-k", kind: "int", key: "topK", help: "top-k entries per token (default 5)" }],
        async run(model, options, io) {
            const result = await analyze(model, inputText(options), {
                topK: options.topK as number | undefined,
                maxTokens: options.maxTokens as number | undefined,
            });
            printResult(io, options, result, analyzeTable);
        },
    },
    attention: {
        usage: "--model PATH (--text T | --file F) [--layers L...] [--heads H...] [--scores] [--thumbnail N] [--json]",
        specs: [
            ...textSpecs,
            { name: "layers", kind: "strings", help: "layers to return in full (default all)" },
            { name: "heads", kind: "strings", help: "heads to return in full (default all)" },
            { name: "scores", kind: "boolean", help: "also return pre-softmax scores" },
            { name: "thumbnail", kind: "int", help: "size of max-pooled thumbnails of every head" },
        ],
        async run(model, options, io) {
            const result = await attention(model, inputText(options), {
                layers: indices(options.layers, "--layers"),
                heads: indices(options.heads, "--heads"),
                scores: options.scores as boolean | undefined,
                thumbnailSize: options.thumbnail as number | undefined,
                maxTokens: options.maxTokens as number | undefined,
            });
            printResult(io, options, result, attentionTable);
        },
    },
    generate: {
        usage: "--model PATH (--prompt T | --text T) [--max-tokens N] [--temperature X] [--top-k K] [--top-p P] [--seed S]",
        specs: [
            { name: "prompt", kind: "string", help: "text to continue (may be empty with a BOS token)" },
            { name: "text", kind: "string", key: "prompt", help: "same as --prompt" },
            { name: "max-tokens", kind: "int", key: "maxTokens", help: "tokens to generate (default 100)" },
            { name: "temperature", kind: "number", help: "sampling temperature; 0 = greedy (default 1)" },
            { name: "top-k", kind: "int", key: "topK", help: "sample from the k most probable tokens" },
            { name: "top-p", kind: "number", key: "topP", help: "sample from the smallest set with this mass" },
            { name: "seed", kind: "int", help: "random seed, for reproducible output" },
        ],
        async run(model, options, io) {
            const controller = new AbortController();
            const onInterrupt = () => controller.abort();
            process.once("SIGINT", onInterrupt);
            try {
                const result = await generate(
                    model,
                    (options.prompt as string | undefined) ?? "",
                    {
                        maxTokens: options.maxTokens as number | undefined,
                        temperature: options.temperature as number | undefined,
                        topK: options.topK as number | undefined,
                        topP: options.topP as number | undefined,
                        seed: options.seed as number | undefined,
                    },
                    options.json ? undefined : (text) => io.out(text),
                    controller.signal,
                );
                if (options.json) io.out(JSON.stringify(result) + "\n");
                else {
                    // Stdout holds the generated text only; why it stopped is a note on stderr.
                    io.out("\n");
                    io.err(`[stopped: ${result.stopped}]\n`);
                }
            } finally {
                process.removeListener("SIGINT", onInterrupt);
            }
        },
    },
    export: {
        usage: "--model PATH --format hf|onnx --out PATH [--force]",
        specs: [
            { name: "format", kind: "choice", choices: ["hf", "onnx"], help: "hf: safetensors folder; onnx: .onnx file" },
            {
                name: "out",
                kind: "string",
                help: "hf: a new or empty folder; onnx: NAME.onnx, written with NAME.tokenizer.json and NAME.config.json",
            },
            {
                name: "force",
                kind: "boolean",
                help: "replace existing files instead of refusing them (an LM Lab run folder is always refused)",
            },
        ],
        async run(model, options, io) {
            if (!options.format) throw new UserError("--format hf|onnx is required");
            if (typeof options.out !== "string") throw new UserError("--out PATH is required");
            const { exportModel, exportRefusal } = await import("../engine/io/export");
            const result = await exportModel(model, options.format as "hf" | "onnx", options.out, {
                overwrite: options.force === true,
            }).catch((err: unknown) => {
                const refused = err instanceof UserError && err.code === exportRefusal.exists && !options.force;
                throw refused ? new UserError(`${err.message} (--force replaces existing files)`, err.code) : err;
            });
            printResult(io, options, result, (r) => `exported to ${r.path}\n`);
        },
    },
};

// ---------------------------------------------------------------------------------------------
// Helpers

/** Writes `result` as one JSON document with --json, else as `table` renders it. */
function printResult<T>(io: CommandOutput, options: Options, result: T, table: (result: T) => string): void {
    io.out(options.json ? JSON.stringify(result) + "\n" : table(result));
}

function inputText(options: Options): string {
    if (options.text !== undefined && options.file !== undefined) throw new UserError("give either --text or --file, not both");
    if (typeof options.text === "string") return options.text;
    // The corpus reader's checks: missing, binary and non-UTF-8 files are refused, not misread.
    if (typeof options.file === "string") return readTextFile(options.file, "--file");
    throw new UserError("--text T or --file F is required");
}

function indices(values: unknown, flag: string): number[] | undefined {
    if (values === undefined) return undefined;
    return (values as string[])
        .flatMap((v) => v.split(","))
        .map((v) => {
            const n = Number(v);
            if (v.trim() === "" || !Number.isInteger(n) || n < 0) throw new UserError(`${flag} needs integers >= 0; found "${v}"`);
            return n;
        });
}

function analyzeTable(result: AnalyzeResult): string {
    const lines = [`${"#".padStart(5)}  ${"token".padEnd(16)} ${"logprob".padStart(9)} ${"prob".padStart(8)} ${"rank".padStart(6)} ${"entropy".padStart(8)}  top`];
    result.tokens.forEach((t, i) => {
        const fmt = (x: number | null, digits: number) => (x === null ? "-" : x.toFixed(digits));
        const top = t.topk.slice(0, 3).map((e) => `${JSON.stringify(e.text)} ${(e.prob * 100).toFixed(1)}%`).join(", ");
        lines.push(
            `${String(i).padStart(5)}  ${JSON.stringify(t.text).padEnd(16)} ${fmt(t.logprob, 3).padStart(9)} ` +
                `${fmt(t.prob, 4).padStart(8)} ${String(t.rank ?? "-").padStart(6)} ${fmt(t.entropy, 3).padStart(8)}  ${top}`,
        );
    });
    lines.push(
        "",
        `tokens ${result.tokens.length} (scored ${result.scored})  log-likelihood ${result.logLikelihood.toFixed(4)} nats  ` +
            `perplexity ${result.perplexity.toFixed(3)}  bits/char ${result.bitsPerChar.toFixed(4)}`,
    );
    if (result.truncatedTokens > 0) lines.push(`${result.truncatedTokens} tokens had less than their full prefix (sliding window of ${result.contextLength})`);
    if (result.cut) lines.push(`the text was cut to ${result.tokens.length} tokens`);
    return lines.join("\n") + "\n";
}

function attentionTable(result: AttentionResult): string {
    if (result.note) return `${result.tokens.length} tokens; no attention: ${result.note}\n`;
    const lines = [`${result.tokens.length} tokens, ${result.nLayer} layers x ${result.nHead} heads; mean attention entropy (nats):`];
    lines.push("layer " + Array.from({ length: result.nHead }, (_, h) => `h${h}`.padStart(7)).join(""));
    result.entropy.forEach((row, l) => {
        lines.push(String(l).padStart(5) + " " + (row.length ? row.map((e) => e.toFixed(3).padStart(7)).join("") : "  (not fetched)"));
    });
    return lines.join("\n") + "\n";
}
