// Exports the active model: to a Hugging Face style folder (model.safetensors + config.json +
// tokenizer.json) or to a standalone ONNX file `<name>.onnx` (input_ids -> logits) with
// `<name>.tokenizer.json` and `<name>.config.json` beside it, so that loadModel opens either export
// again. The ONNX export's companions carry the file's name so that they never replace a
// tokenizer.json or config.json that belongs to another model in the same folder.
//
// Nothing is overwritten unless asked: an existing .onnx or companion file, or a non-empty output
// folder for the Hugging Face export, is refused with a UserError naming it. With `overwrite`,
// the files the export writes are replaced; an LM Lab run folder (it holds run.json) is still
// refused, since replacing its weights would leave its run record and checkpoint inconsistent.
//
// LM Lab models may be trained without Linear biases (`bias: false`). Hugging Face's GPT-2 always
// has them, so the HF export writes zero biases (which change nothing) and a config that says so;
// the `lm_lab` section of the config is kept for LM Lab's own use.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
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
 * UserError codes of the refusals to write over something, so that callers can offer another
 * path: existing files or a non-empty folder (`overwrite` allows), or an LM Lab run folder.
 */
export const exportRefusal = { exists: "E_EXPORT_EXISTS", runFolder: "E_EXPORT_RUN_FOLDER" } as const;

export interface ExportOptions {
    /** Replace existing files instead of refusing (never an LM Lab run folder's). */
    overwrite?: boolean;
}

/**
 * Writes `model` in `format` to `out`: a folder for "hf"; for "onnx" a file path ending in .onnx
 * or a folder that receives model.onnx. Returns the path written (folder or .onnx file).
 */
export async function exportModel(
    model: LanguageModel,
    format: ExportFormat,
    out: string,
    options: ExportOptions = {},
): Promise<{ path: string }> {
    if (format !== "hf" && format !== "onnx") throw new UserError(`unknown export format "${format}"; use hf or onnx`);
    if (!out) throw new UserError("no output path given for the export");
    const overwrite = options.overwrite === true;
    if (format === "hf") {
        if (!(model instanceof GptLanguageModel)) {
            throw new UserError(`${model.info.path} is an ONNX model; it can only be exported as ONNX, not as safetensors`);
        }
        checkHfFolder(out, overwrite);
        prepareFolder(out);
        const tensors = hfTensors(model.config, model.weights);
        writeSafetensors(join(out, "model.safetensors"), tensors, { format: "pt" });
        writeJsonAtomic(join(out, "config.json"), hfConfigFor(model));
        writeJsonAtomic(join(out, "tokenizer.json"), model.tokenizer.toJSON());
        return { path: out };
    }

    const file = /\.onnx$/i.test(out) ? out : join(out, "model.onnx");
    const companions = onnxCompanions(file);
    if (model.info.kind === "onnx" && model.info.path === file) {
        throw new UserError(`${file} is the model being exported; choose another path`);
    }
    const sourceConfig = model instanceof GptLanguageModel ? undefined : onnxConfigOf(model.info.path);
    const writesConfig = model instanceof GptLanguageModel || sourceConfig !== undefined;
    if (!overwrite) {
        for (const path of [file, companions.tokenizer, ...(writesConfig ? [companions.config] : [])]) refuseExisting(path);
    }
    prepareFolder(dirname(file));
    if (model instanceof GptLanguageModel) {
        writeFileAtomic(file, buildGptInference(model.config, model.weights, { logits: true }));
        writeJsonAtomic(companions.config, hfConfigFor(model));
    } else {
        writeFileAtomic(file, readFileSync(model.info.path));
        if (sourceConfig) writeFileAtomic(companions.config, readFileSync(sourceConfig));
    }
    writeJsonAtomic(companions.tokenizer, model.tokenizer.toJSON());
    return { path: file };
}

/**
 * The files an ONNX export writes beside `<name>.onnx`, and loadModel reads first:
 * `<name>.tokenizer.json` and `<name>.config.json`.
 */
export function onnxCompanions(file: string): { tokenizer: string; config: string } {
    const stem = file.replace(/\.onnx$/i, "");
    return { tokenizer: `${stem}.tokenizer.json`, config: `${stem}.config.json` };
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

/** The config of an ONNX model: `<name>.config.json`, else config.json beside it, if either exists. */
function onnxConfigOf(file: string): string | undefined {
    return [onnxCompanions(file).config, join(dirname(file), "config.json")].find((path) => existsSync(path));
}

function refuseExisting(path: string): void {
    if (existsSync(path)) {
        throw new UserError(`${path} already exists; choose another path`, exportRefusal.exists);
    }
}

/** Refuses a Hugging Face export into a non-empty folder, or with `overwrite` into a run folder. */
function checkHfFolder(dir: string, overwrite: boolean): void {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
    const entries = readdirSync(dir);
    if (entries.includes(runRecordFile)) {
        throw new UserError(
            `${dir} is an LM Lab run folder (it holds ${runRecordFile}); export to a new folder instead of replacing its weights`,
            exportRefusal.runFolder,
        );
    }
    if (entries.length > 0 && !overwrite) {
        const listed = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
        throw new UserError(`${dir} is not empty (it holds ${listed}); choose a new or empty folder`, exportRefusal.exists);
    }
}

// The run record of an LM Lab run folder (see train/runFolder.ts); named here so that exporting
// does not load the trainer's modules.
const runRecordFile = "run.json";

function prepareFolder(dir: string): void {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${dir} exists and is not a folder`);
    mkdirSync(dir, { recursive: true });
}
