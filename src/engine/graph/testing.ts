// Test support: checks gradients emitted by the autodiff driver against central finite
// differences (five-point stencil), with both computed by ONNX Runtime, in float64 unless an op
// lacks a double kernel there (Erf), in which case float32 with a wider step.

import * as ort from "onnxruntime-node";
import { GraphBuilder, Value } from "./builder";
import { gradients } from "./autodiff";
import { mul } from "./ops/elementwise";
import { reduceSum } from "./ops/nn";
import { createSession } from "../runtime";

export interface GradInput {
    name: string;
    shape: number[];
    /** Values to differentiate at; default: seeded uniform in [-1, 1). */
    data?: Float64Array;
    /** Integer inputs (indices) are fed but not differentiated. */
    int?: boolean;
}

export interface GradCheckResult {
    /** Largest |analytic - numeric| over every differentiated element. */
    maxAbsError: number;
    /** Largest |numeric| seen, to put the error in scale. */
    maxAbsGrad: number;
    analytic: Float64Array[];
    numeric: Float64Array[];
}

/**
 * Builds loss = sum(f(inputs) * R) (R a fixed random tensor, so every output element counts),
 * differentiates it, and compares against the five-point central difference
 * (-L(x+2h) + 8L(x+h) - 8L(x-h) + L(x-2h)) / 12h per element.
 */
export async function gradCheck(
    f: (g: GraphBuilder, xs: Value[]) => Value,
    inputs: GradInput[],
    options: { seed?: number; h?: number; dtype?: "float32" | "float64" } = {},
): Promise<GradCheckResult> {
    const rand = lcg(options.seed ?? 7);
    const dtype = options.dtype ?? "float64";
    const h = options.h ?? (dtype === "float64" ? 1e-3 : 1e-2);
    const g = new GraphBuilder({ float: dtype });
    const xs = inputs.map((i) => g.input(i.name, i.int ? "int64" : dtype, i.shape));
    const y = f(g, xs);
    const r = g.constant(
        Float64Array.from({ length: count(y.shape as number[]) }, () => rand() * 2 - 1),
        y.shape as number[],
    );
    const loss = reduceSum(
        g,
        mul(g, y, r),
        Array.from({ length: y.rank }, (_, i) => i),
    );
    const floats = xs.filter((_, i) => !inputs[i].int);
    const grads = gradients(g, loss, floats);
    g.output(loss, "loss");
    grads.forEach((d, i) => g.output(d, `grad_${i}`));
    const session = await createSession(g.toBytes(), { threads: 1 });

    const values = inputs.map(
        (i) =>
            i.data ??
            Float64Array.from({ length: count(i.shape) }, () => (i.int ? 0 : rand() * 2 - 1)),
    );
    const feeds = (): Record<string, ort.Tensor> =>
        Object.fromEntries(
            inputs.map((inp, k) => [
                inp.name,
                inp.int
                    ? new ort.Tensor(
                          "int64",
                          BigInt64Array.from(values[k], (v) => BigInt(v)),
                          inp.shape,
                      )
                    : new ort.Tensor(
                          dtype,
                          dtype === "float64" ? values[k] : Float32Array.from(values[k]),
                          inp.shape,
                      ),
            ]),
        );
    const base = await session.run(feeds());
    const analytic = grads.map((_, i) => Float64Array.from(base[`grad_${i}`].data as Float64Array));
    const lossAt = async (v: Float64Array, e: number, x: number): Promise<number> => {
        const saved = v[e];
        v[e] = x;
        const out = (await session.run(feeds(), ["loss"])).loss.data[0] as number;
        v[e] = saved;
        return out;
    };
    const numeric: Float64Array[] = [];
    let maxAbsError = 0;
    let maxAbsGrad = 0;
    let k = 0;
    for (let idx = 0; idx < inputs.length; idx++) {
        if (inputs[idx].int) continue;
        const v = values[idx];
        const num = new Float64Array(v.length);
        for (let e = 0; e < v.length; e++) {
            const x = v[e];
            const [p2, p1, m1, m2] = [
                await lossAt(v, e, x + 2 * h),
                await lossAt(v, e, x + h),
                await lossAt(v, e, x - h),
                await lossAt(v, e, x - 2 * h),
            ];
            num[e] = (-p2 + 8 * p1 - 8 * m1 + m2) / (12 * h);
            maxAbsError = Math.max(maxAbsError, Math.abs(num[e] - analytic[k][e]));
            maxAbsGrad = Math.max(maxAbsGrad, Math.abs(num[e]));
        }
        numeric.push(num);
        k++;
    }
    await session.release();
    return { maxAbsError, maxAbsGrad, analytic, numeric };
}

/** A small deterministic uniform [0, 1) generator for test data. */
export function lcg(seed: number): () => number {
    let s = seed >>> 0 || 1;
    return () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 4294967296;
    };
}

function count(shape: number[]): number {
    return shape.reduce((a, b) => a * b, 1);
}
