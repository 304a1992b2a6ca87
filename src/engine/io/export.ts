// Exports the active model: to a Hugging Face style folder (model.safetensors + config.json +
// tokenizer.json) or to a standalone ONNX file (input_ids -> logits) with tokenizer.json and
// config.json beside it, so that loadModel opens either export again.
//
// LM Lab models may be trained without Linear biases (`bias: false`). Hugging Face's GPT-2 always
// has them, so the HF export writes zero biases (which change nothing) and a config that says so;
// the `lm_lab` section of the config is kept for LM Lab's own use.

import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildGptInference } from "../model/gpt";
import type { GptConfig, LanguageModel } from "../types";
import { UserError } from "../types";
import { writeFileAtomic, writeJsonAtomic } from "./atomic";
import { GptLanguageModel } from "./gptModel";
import { gpt2TensorShapes } from "./hfCheckpoint";
import { gptConfigToHf } from "./hfConfig";
import { writeSafetensors, type TensorToWrite } from "./safetensors";

export type ExportFormat = "hf" | "onnx";

/**
 * Writes `model` in `format` to `out`: a folder for "hf"; for "onnx" a file path ending in .onnx
 * or a folder that receives model.onnx. Returns the path written (folder or .onnx file).
 */
export async function exportModel(model: LanguageModel, format: ExportFormat, out: string): Promise<{ path: string }> {
    if (format !== "hf" && format !== "onnx") throw new UserError(`unknown export format "${format}"; use hf or onnx`);
    if (!out) throw new UserError("no output path given for the export");
    if (format === "hf") {
        if (!(model instanceof GptLanguageModel)) {
            throw new UserError(`${model.info.path} is an ONNX model; it can only be exported as ONNX, not as safetensors`);
        }
        prepareFolder(out);
        const tensors = hfTensors(model.config, model.weights);
        writeSafetensors(join(out, "model.safetensors"), tensors, { format: "pt" });
        writeJsonAtomic(join(out, "config.json"), hfConfigFor(model));
        writeJsonAtomic(join(out, "tokenizer.json"), model.tokenizer.toJSON());
        return { path: out };
    }

    const file = /\.onnx$/i.test(out) ? out : join(out, "model.onnx");
    prepareFolder(dirname(file));
    if (model instanceof GptLanguageModel) {
        writeFileAtomic(file, buildGptInference(model.config, model.weights, { logits: true }));
        writeJsonAtomic(join(dirname(file), "config.json"), hfConfigFor(model));
    } else {
        if (model.info.path === file) throw new UserError(`${file} is the model being exported; choose another path`);
        writeFileAtomic(file, readFileSync(model.info.path));
        const config = join(dirname(model.info.path), "config.json");
        if (existsSync(config)) writeFileAtomic(join(dirname(file), "config.json"), readFileSync(config));
    }
    writeJsonAtomic(join(dirname(file), "tokenizer.json"), model.tokenizer.toJSON());
    return { path: file };
}

/**
 * The model's tensors under Hugging Face GPT-2 names with their shapes, adding zero biases where
 * the model has none. The LM head is tied to the token embedding, so it is not written.
 */
export function hfTensors(config: GptConfig, weights: ReadonlyMap<string, Float32Array>): Map<string, TensorToWrite> {
    const shapes = gpt2TensorShapes({ ...config, bias: true });
    const out = new Map<string, TensorToWrite>();
    for (const [name, shape] of shapes) {
        const key = weights.has(name) ? name : weights.has(legacyName(name)) ? legacyName(name) : undefined;
        const expected = shape.reduce((a, b) => a * b, 1);
        if (key === undefined) {
            if (!name.endsWith(".bias") || name.includes(".ln_")) {
                throw new UserError(`cannot export: the model has no tensor ${name}`);
            }
            out.set(name, { shape, data: new Float32Array(expected) });
            continue;
        }
        const data = weights.get(key)!;
        if (data.length !== expected) {
            throw new UserError(`cannot export ${name}: it holds ${data.length} values; shape [${shape}] needs ${expected}`);
        }
        out.set(name, { shape, data });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** The config.json of an export: Hugging Face GPT-2 keys and LM Lab's extras, biases present. */
function hfConfigFor(model: GptLanguageModel): Record<string, unknown> {
    return gptConfigToHf({ ...model.config, bias: true }, {
        bosTokenId: model.tokenizer.bosId,
        eosTokenId: model.tokenizer.eosId,
    });
}

function legacyName(name: string): string {
    return name.replace(/^transformer\./, "");
}

function prepareFolder(dir: string): void {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${dir} exists and is not a folder`);
    mkdirSync(dir, { recursive: true });
}
