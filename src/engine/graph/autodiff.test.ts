// Every gradient rule against five-point central differences run by ONNX Runtime. In float64
// (h = 1e-3, truncation error ~1e-12) the tolerance is 1e-6 absolute on gradients of order 1.
// Ops ORT's CPU runs only in float32 (Erf, hence exact Gelu, and the fused LayerNormalization)
// are checked in float32 with h = 1e-2, where rounding bounds the error near 1e-4.

import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder, op, gradients } from "./index";
import { gradCheck, GradInput } from "./testing";
import type { Value } from "./builder";

const TOL = 1e-6;
const TOL32 = 2e-4;

async function check(
    name: string,
    f: (g: GraphBuilder, xs: Value[]) => Value,
    inputs: GradInput[],
    dtype: "float32" | "float64" = "float64",
) {
    const tol = dtype === "float64" ? TOL : TOL32;
    const r = await gradCheck(f, inputs, { dtype });
    assert.ok(r.maxAbsGrad > 1e-3, `${name}: gradient is trivially zero`);
    assert.ok(
        r.maxAbsError < tol,
        `${name}: max abs error ${r.maxAbsError} (grad scale ${r.maxAbsGrad})`,
    );
}

const a = (name: string, shape: number[]): GradInput => ({ name, shape });
const positive = (name: string, shape: number[]): GradInput => ({
    name,
    shape,
    data: Float64Array.from(
        { length: shape.reduce((p, d) => p * d, 1) },
        (_, i) => 0.5 + ((i * 0.37) % 1),
    ),
});

test("elementwise binary rules reduce broadcast axes", async () => {
    await check("Add", (g, [x, y]) => op.add(g, x, y), [a("x", [2, 3, 4]), a("y", [3, 1])]);
    await check("Sub", (g, [x, y]) => op.sub(g, x, y), [a("x", [2, 1]), a("y", [2, 2, 3])]);
    await check("Mul", (g, [x, y]) => op.mul(g, x, y), [a("x", [2, 3, 4]), a("y", [4])]);
    await check("Div", (g, [x, y]) => op.div(g, x, y), [a("x", [2, 3]), positive("y", [2, 1])]);
    await check("fan-out (Sum)", (g, [x]) => op.add(g, op.mul(g, x, x), op.mul(g, x, 3)), [
        a("x", [5]),
    ]);
});

test("elementwise unary rules", async () => {
    await check("Neg", (g, [x]) => op.neg(g, x), [a("x", [4])]);
    await check("Sqrt", (g, [x]) => op.sqrt(g, x), [positive("x", [6])]);
    await check("Exp", (g, [x]) => op.exp(g, x), [a("x", [6])]);
    await check("Tanh", (g, [x]) => op.tanh(g, x), [a("x", [6])]);
    await check("Erf", (g, [x]) => op.erf(g, x), [a("x", [6])], "float32");
    await check("Identity", (g, [x]) => op.identity(g, x), [a("x", [3])]);
});

test("matrix product rules", async () => {
    await check("MatMul batched x 2-D", (g, [x, w]) => op.matmul(g, x, w), [
        a("x", [2, 3, 4]),
        a("w", [4, 5]),
    ]);
    await check("MatMul 4-D", (g, [x, y]) => op.matmul(g, x, y), [
        a("x", [2, 2, 3, 4]),
        a("y", [2, 2, 4, 3]),
    ]);
    await check("Gemm transB + C", (g, [x, w, c]) => op.gemm(g, x, w, { transB: true, c }), [
        a("x", [3, 4]),
        a("w", [5, 4]),
        a("c", [5]),
    ]);
    await check("Gemm", (g, [x, w]) => op.gemm(g, x, w), [a("x", [3, 4]), a("w", [4, 2])]);
});

test("data movement rules", async () => {
    await check("Transpose", (g, [x]) => op.transpose(g, x, [2, 0, 1]), [a("x", [2, 3, 4])]);
    await check("Reshape", (g, [x]) => op.reshape(g, x, [6, 4]), [a("x", [2, 3, 4])]);
    await check("Unsqueeze", (g, [x]) => op.unsqueeze(g, x, [0]), [a("x", [2, 3])]);
    await check(
        "Split",
        (g, [x]) => {
            const [p, q, r] = op.split(g, x, 1, [1, 2, 3]);
            return op.add(g, op.mul(g, p, q.producer!.outputs[1]), op.reduceSum(g, r, [1], true));
        },
        [a("x", [2, 6])],
    );
    await check("Split with an unused part", (g, [x]) => op.split(g, x, 0, [1, 1])[1], [
        a("x", [2, 3]),
    ]);
    await check("Concat", (g, [x, y]) => op.concat(g, [x, y], 1), [a("x", [2, 3]), a("y", [2, 1])]);
    await check("Gather (one-hot MatMul)", (g, [w, i]) => op.gather(g, w, i), [
        a("w", [5, 3]),
        { name: "i", shape: [2, 3], int: true, data: Float64Array.from([0, 4, 4, 1, 0, 2]) },
    ]);
});

test("reduction and normalisation rules", async () => {
    await check("ReduceSum", (g, [x]) => op.reduceSum(g, x, [0, 2]), [a("x", [2, 3, 4])]);
    await check("ReduceMean keepdims", (g, [x]) => op.reduceMean(g, x, [-1], true), [
        a("x", [2, 3, 4]),
    ]);
    await check("ReduceSumSquare", (g, [x]) => op.reduceSumSquare(g, x, [1]), [a("x", [2, 3])]);
    await check("Softmax", (g, [x]) => op.softmax(g, x, -1), [a("x", [2, 5])]);
    await check("LogSoftmax", (g, [x]) => op.logSoftmax(g, x, 1), [a("x", [3, 4])]);
    await check("Gelu exact", (g, [x]) => op.gelu(g, x, "none"), [a("x", [8])], "float32");
    await check("Gelu tanh", (g, [x]) => op.gelu(g, x, "tanh"), [a("x", [8])]);
    const ln = (g: GraphBuilder, [x, s, b]: Value[]) => op.layerNorm(g, x, s, b, 1e-5);
    const lnInputs = [a("x", [2, 3, 4]), a("s", [4]), a("b", [4])];
    await check("LayerNorm (float64 primitives)", ln, lnInputs);
    await check("LayerNormalization (fused, float32)", ln, lnInputs, "float32");
});

test("the driver names an op without a rule and checks dependence", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [3]);
    const y = g.emit("Floor", [x], [{ dtype: "float32", shape: [3] }])[0];
    const loss = op.reduceSum(g, y, [0]);
    assert.throws(() => gradients(g, loss, [x]), /no gradient rule for op Floor/);
    const z = g.input("z", "float32", [3]);
    assert.throws(() => gradients(g, loss, [z]), /does not depend on z/);
});

test("gradient graphs carry no transpose pairs", () => {
    const g = new GraphBuilder();
    const q = g.input("q", "float32", [2, 4, 3]);
    const k = g.input("k", "float32", [2, 4, 3]);
    const s = op.matmul(g, q, op.transposeLast(g, k));
    gradients(g, op.reduceSum(g, s, [0, 1, 2]), [q, k]);
    const transposes = g.nodes.filter((n) => n.opType === "Transpose");
    // One forward transpose of k; dq = dS @ k reuses k, dk = (q^T dS)^T = dS^T q needs one more.
    assert.ok(transposes.length <= 3, `found ${transposes.length} Transpose nodes`);
    assert.ok(!transposes.some((t) => t.inputs[0]!.producer?.opType === "Transpose"));
});
