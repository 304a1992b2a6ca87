// Opens any model LM Lab can analyse, deciding its kind from what is on disk: a folder with
// config.json + model.safetensors (LM Lab run folder or Hugging Face GPT-2), an .onnx file, or a
// folder holding one .onnx file. Every refusal is a UserError naming the path and what was expected.

import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { loadTokenizer } from "../tokenizer";
import type { LanguageModel, Tokenizer } from "../types";
import { UserError } from "../types";
import { readJsonFile } from "./jsonFile";
import { loadOnnxModel } from "./onnxModel";

export interface LoadModelOptions {
    /** A tokenizer.json to use instead of the one beside the model. */
    tokenizer?: string;
    /** Intra-op threads for ORT sessions (0 = ORT's default). */
    threads?: number;
    /** Execution providers to try before the CPU, e.g. ["cuda"]; one that fails falls back. */
    executionProviders?: readonly string[];
}

/** What `path` holds, as `loadModel` sees it. */
export type ModelLocation =
    | { kind: "weights"; dir: string }
    | { kind: "onnx"; file: string };

/** Loads the model at `path` (see the file comment for the accepted layouts). */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LanguageModel> {
    const location = locateModel(path);
    const runtime = { threads: options.threads, executionProviders: options.executionProviders };
    if (location.kind === "onnx") {
        const tokenizer = await tokenizerFor(location.file, options.tokenizer, [
            location.file.replace(/\.onnx$/i, ".tokenizer.json"),
            join(dirname(location.file), "tokenizer.json"),
        ]);
        return loadOnnxModel(location.file, tokenizer, runtime);
    }
    const dir = location.dir;
    const raw = readConfig(dir);
    const modelType = raw.model_type;
    if (modelType !== undefined && modelType !== "gpt2" && raw.lm_lab === undefined) {
        throw new UserError(
            `${dir}: unsupported architecture model_type "${String(modelType)}"; LM Lab loads GPT-2 style models ` +
                "(model_type gpt2) and its own run folders",
        );
    }
    // Loaded on demand: opening an ONNX model needs neither the checkpoint reader nor the graph builder.
    const { loadGpt2Checkpoint } = await import("./hfCheckpoint");
    const { GptLanguageModel } = await import("./gptModel");
    // The config is already parsed, and an explicit tokenizer makes the folder's one unneeded.
    const checkpoint = loadGpt2Checkpoint(dir, { rawConfig: raw, loadTokenizer: !options.tokenizer });
    const tokenizer = options.tokenizer || !checkpoint.tokenizer
        ? await tokenizerFor(dir, options.tokenizer, [join(dir, "tokenizer.json")])
        : checkpoint.tokenizer;
    return new GptLanguageModel(
        {
            kind: raw.lm_lab !== undefined ? "lmlab" : "hf",
            path: dir,
            name: basename(dir),
            config: checkpoint.config,
            weights: checkpoint.weights,
            tokenizer,
        },
        runtime,
    );
}

/** Decides what kind of model `path` holds, without reading weights. */
export function locateModel(path: string): ModelLocation {
    if (!existsSync(path)) throw new UserError(`model not found: ${path} does not exist`);
    const stat = statSync(path);
    if (stat.isFile()) {
        if (/\.onnx$/i.test(path)) return { kind: "onnx", file: path };
        const name = basename(path);
        if (name === "config.json" || name.endsWith(".safetensors")) return { kind: "weights", dir: dirname(path) };
        throw new UserError(`${path} is not a model: expected an .onnx file or a folder with config.json and model.safetensors`);
    }
    const entries = readdirSync(path);
    if (entries.includes("config.json") && entries.some((e) => e.endsWith(".safetensors"))) {
        return { kind: "weights", dir: path };
    }
    const onnxFiles = entries.filter((e) => /\.onnx$/i.test(e));
    if (onnxFiles.length === 1) return { kind: "onnx", file: join(path, onnxFiles[0]) };
    if (onnxFiles.includes("model.onnx")) return { kind: "onnx", file: join(path, "model.onnx") };
    if (onnxFiles.length > 1) {
        throw new UserError(`${path} holds several .onnx files (${onnxFiles.join(", ")}); choose one of them`);
    }
    if (entries.includes("config.json")) {
        throw new UserError(`${path} has config.json but no model.safetensors (PyTorch .bin checkpoints are not supported)`);
    }
    throw new UserError(`${path} holds no model: expected config.json + model.safetensors, or an .onnx file`);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function readConfig(dir: string): Record<string, unknown> {
    const file = join(dir, "config.json");
    const value = readJsonFile(file);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new UserError(`${file} must hold a JSON object`);
    }
    return value as Record<string, unknown>;
}

async function tokenizerFor(model: string, explicit: string | undefined, candidates: string[]): Promise<Tokenizer> {
    const file = explicit ?? candidates.find((c) => existsSync(c));
    if (!file) {
        throw new UserError(
            `no tokenizer for ${model}: looked for ${candidates.join(" and ")}; put the model's tokenizer.json there`,
        );
    }
    if (!existsSync(file)) throw new UserError(`tokenizer not found: ${file} does not exist`);
    return loadTokenizer(file);
}
