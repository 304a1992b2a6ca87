// Parameter tensors on disk. Training state holds flat Float32Arrays keyed by Hugging Face
// GPT-2 names; safetensors files need each tensor's shape, which follows from the name and
// the model configuration (Conv1D layout: weights are [in, out]).

import { readSafetensors, writeSafetensors, type TensorToWrite } from "../io/safetensors";
import { paramShapes } from "../model/init";
import { UserError, type GptConfig } from "../types";

/** Writes named flat tensors with their GPT-2 shapes, atomically. */
export function writeTensorFile(
    path: string,
    tensors: Map<string, Float32Array>,
    config: GptConfig,
    metadata: Record<string, string>,
): void {
    const shapes = new Map(paramShapes(config));
    const out = new Map<string, TensorToWrite>();
    for (const [name, data] of tensors) {
        // Optimizer moments (`m.<name>`, `v.<name>`) have their parameter's shape.
        const shape = shapes.get(name.replace(/^[mv]\./, ""));
        if (!shape) {
            // A tensor the GPT layout does not name (e.g. a masked-LM extra) is stored flat.
            out.set(name, { shape: [data.length], data });
            continue;
        }
        const count = shape.reduce((a, b) => a * b, 1);
        if (count !== data.length) {
            throw new UserError(
                `Tensor "${name}" has ${data.length} values; shape [${shape.join(", ")}] needs ${count}.`,
            );
        }
        out.set(name, { shape, data });
    }
    writeSafetensors(path, out, metadata);
}

/** Reads a safetensors file into flat float32 tensors keyed by name. */
export function readTensorFile(path: string): Map<string, Float32Array> {
    const file = readSafetensors(path);
    const out = new Map<string, Float32Array>();
    for (const [name, tensor] of file.tensors) {
        if (tensor.dtype !== "F32") {
            throw new UserError(
                `${path}: tensor "${name}" is ${tensor.dtype}; checkpoints hold F32 only.`,
            );
        }
        out.set(name, tensor.data);
    }
    return out;
}
