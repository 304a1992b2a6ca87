// The graph builder: hierarchical names, constant caching, build-time shape errors naming the
// op and the shapes, symbolic dims, and a round trip through ONNX Runtime.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { onnx } from "onnx-proto";
import { GraphBuilder, op } from "./index";
import { createSession } from "../runtime";

test("parameters and nodes get hierarchical names", () => {
    const g = new GraphBuilder();
    const x = g.input("x", "float32", [2, 4]);
    const y = g.scope(
        "transformer",
        () =>
            g.scope("h.0", () =>
                g.scope("attn", () => {
                    const w = g.scope("c_attn", () => g.param("weight", [4, 3]));
                    assert.equal(w.name, "transformer.h.0.attn.c_attn.weight");
                    return op.matmul(g, op.matmul(g, x, w), g.param("proj", [3, 3]));
                }),
            ),
        "",
    );
    assert.equal(y.producer!.name, "/h.0/attn/MatMul_1");
    assert.equal(y.name, "/h.0/attn/MatMul_1_output_0");
    assert.deepEqual(
        [...g.params.keys()],
        ["transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.proj"],
    );
});

test("constants are cached per value and dtype", () => {
    const g = new GraphBuilder();
    assert.equal(g.scalar(0.5), g.scalar(0.5));
    assert.notEqual(g.scalar(0.5), g.scalar(0.5, "float64"));
    assert.notEqual(g.scalar(0.5), g.scalar(0.25));
    assert.equal(g.ints([1, 2]), g.ints([1, 2]));
});

test("shape errors name the op and the shapes", () => {
    const g = new GraphBuilder();
    const a = g.input("a", "float32", [2, "T", 4]);
    const b = g.input("b", "float32", [5, 3]);
    assert.throws(() => op.matmul(g, a, b), /MatMul: inner dims differ: \[2,T,4\] x \[5,3\]/);
    assert.throws(() => op.add(g, a, b), /Add: shapes \[2,T,4\] and \[5,3\] do not broadcast/);
    assert.throws(
        () => op.split(g, b, 1, [1, 1]),
        /Split: sizes \[1,1\] do not add up to dim 1 of \[5,3\]/,
    );
    assert.throws(() => op.reshape(g, b, [4, 4]), /Reshape: cannot reshape \[5,3\] to \[4,4\]/);
    const c = g.input("c", "float64", [5, 3]);
    assert.throws(() => op.add(g, b, c), /Add: dtypes float32 \(b\) and float64 \(c\) differ/);
    assert.deepEqual(op.add(g, a, g.input("d", "float32", ["T", 1])).shape, [2, "T", 4]);
});

test("a graph with symbolic dims runs and serialises deterministically", async () => {
    const build = () => {
        const g = new GraphBuilder();
        const x = g.input("x", "float32", [1, "T", 4]);
        const s = op.softmax(g, op.mul(g, op.transpose(g, x, [0, 2, 1]), 2), -1); // [1, 4, T]
        g.output(op.transpose(g, op.transpose(g, s, [0, 2, 1]), [0, 2, 1]), "y"); // cancels
        return g;
    };
    const bytes = build().toBytes();
    assert.deepEqual(Buffer.from(bytes), Buffer.from(build().toBytes()));
    const model = onnx.ModelProto.decode(bytes);
    // The transpose pair cancelled and its dead first half was pruned.
    assert.equal(model.graph!.node!.filter((n) => n.opType === "Transpose").length, 1);
    const softmax = model.graph!.node!.find((n) => n.opType === "Softmax")!;
    assert.equal(softmax.attribute![0].name, "axis");
    assert.equal(model.graph!.output![0].type!.tensorType!.shape!.dim![2].dimParam, "T");
    const session = await createSession(bytes, { threads: 1 });
    const out = await session.run({
        x: new ort.Tensor("float32", Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]), [1, 2, 4]),
    });
    assert.deepEqual(out.y.dims, [1, 4, 2]);
    const e = Math.exp(2);
    assert.ok(Math.abs((out.y.data as Float32Array)[1] - e / (1 + e)) < 1e-6);
    await session.release();
});
