// Tests for the safetensors reader and writer: bit-exact round trips, exact half-precision
// conversion, the GPT-2 fixtures, and one clear error for each kind of damaged file.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fixturesDir } from "../../../test/support/paths";
import {
    encodeSafetensors,
    float16ToFloat32,
    float32ToFloat16,
    readSafetensors,
    writeSafetensors,
} from "./safetensors";

/** Builds a file from a literal header object and a data area, for the corrupt-input cases. */
function rawFile(header: object | string, data: Uint8Array, declaredLength?: number): Uint8Array {
    const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
}

test("writes sorted, 8-byte aligned files that read back bit for bit", () => {
    const dir = mkdtempSync(join(tmpdir(), "lmlab-st-"));
    try {
        const weird = new Float32Array([
            0,
            -0,
            1.5,
            -2.25e-38,
            3.4e38,
            Infinity,
            -Infinity,
            NaN,
            1e-45,
        ]);
        const tensors = new Map([
            ["z.weight", { shape: [3, 3], data: weird }],
            ["a.scalar", { shape: [], data: new Float32Array([7]) }],
            ["m.empty", { shape: [0, 4], data: new Float32Array(0) }],
        ]);
        const path = join(dir, "model.safetensors");
        writeSafetensors(path, tensors, { format: "pt" });
        const bytes = readFileSync(path);
        const headerLength = Number(
            new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true),
        );
        assert.equal((8 + headerLength) % 8, 0);
        const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
        assert.deepEqual(Object.keys(header), ["__metadata__", "a.scalar", "m.empty", "z.weight"]);

        const file = readSafetensors(path);
        assert.deepEqual(file.metadata, { format: "pt" });
        assert.deepEqual([...file.tensors.keys()], ["a.scalar", "m.empty", "z.weight"]);
        assert.deepEqual(file.tensors.get("a.scalar")!.shape, []);
        assert.deepEqual([...file.tensors.get("a.scalar")!.data], [7]);
        const back = file.tensors.get("z.weight")!;
        assert.equal(back.dtype, "F32");
        assert.deepEqual(
            new Uint32Array(back.data.buffer, back.data.byteOffset, 9),
            new Uint32Array(weird.buffer),
        );
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("half precision converts exactly both ways for all 65536 bit patterns", () => {
    for (let bits = 0; bits < 0x10000; bits++) {
        const value = float16ToFloat32(bits);
        if (Number.isNaN(value)) continue;
        assert.equal(float32ToFloat16(value), bits, `bits 0x${bits.toString(16)}`);
    }
    // Rounding: halfway between 1 and the next half (1 + 2^-10) goes to even (1); just above goes up.
    assert.equal(float32ToFloat16(1 + 2 ** -11), 0x3c00);
    assert.equal(float32ToFloat16(1 + 2 ** -11 + 2 ** -20), 0x3c01);
    assert.equal(float32ToFloat16(65520), 0x7c00); // rounds past the largest half (65504) to infinity
    assert.equal(float32ToFloat16(2 ** -25), 0); // tie at half the smallest subnormal goes to even zero
    assert.equal(float32ToFloat16(1.5 * 2 ** -25), 1);
});

test("the F16 writer stores rounded values that read back as their exact upcast", () => {
    const values = new Float32Array([0.1, -3.14159, 1e-6, 70000, 0.5]);
    const file = readSafetensors(
        encodeSafetensors({ t: { shape: [5], data: values } }, {}, { dtype: "F16" }),
    );
    const t = file.tensors.get("t")!;
    assert.equal(t.dtype, "F16");
    const expected = [...values].map((v) => float16ToFloat32(float32ToFloat16(v)));
    assert.deepEqual([...t.data], expected);
    assert.equal(t.data[4], 0.5);
    assert.equal(t.data[3], Infinity);
    assert.ok(Math.abs(t.data[0] - 0.0999755859375) === 0);
});

test("BF16, F64 and integer tensors decode to their exact values", () => {
    const data = new Uint8Array(2 * 2 + 8 + 8 + 4 + 1);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3fc0, true); // bf16 1.5
    view.setUint16(2, 0xc040, true); // bf16 -3
    view.setFloat64(4, 0.25, true);
    view.setBigInt64(12, -5n, true);
    view.setInt32(20, 123456, true);
    data[24] = 1;
    const file = readSafetensors(
        rawFile(
            {
                b: { dtype: "BF16", shape: [2], data_offsets: [0, 4] },
                d: { dtype: "F64", shape: [], data_offsets: [4, 12] },
                l: { dtype: "I64", shape: [1], data_offsets: [12, 20] },
                i: { dtype: "I32", shape: [1, 1], data_offsets: [20, 24] },
                m: { dtype: "BOOL", shape: [1], data_offsets: [24, 25] },
            },
            data,
        ),
    );
    assert.deepEqual([...file.tensors.get("b")!.data], [1.5, -3]);
    assert.deepEqual([...file.tensors.get("d")!.data], [0.25]);
    assert.deepEqual([...file.tensors.get("l")!.ints!], [-5n]);
    assert.deepEqual([...file.tensors.get("l")!.data], [-5]);
    assert.deepEqual([...file.tensors.get("i")!.ints!], [123456]);
    assert.deepEqual([...file.tensors.get("m")!.data], [1]);
});

test("the GPT-2 fixtures read: F32 bit-identical across key styles, F16 equal to rounded F32", () => {
    const modern = readSafetensors(join(fixturesDir, "gpt2-tiny", "model.safetensors"));
    const legacy = readSafetensors(join(fixturesDir, "gpt2-tiny-legacy", "model.safetensors"));
    const half = readSafetensors(join(fixturesDir, "gpt2-tiny-fp16", "model.safetensors"));
    assert.equal(modern.tensors.size, 28);
    assert.equal(legacy.tensors.size, 32);
    assert.deepEqual(modern.metadata, { format: "pt" });
    assert.deepEqual(modern.tensors.get("transformer.wte.weight")!.shape, [50257, 32]);
    assert.deepEqual(legacy.tensors.get("h.0.attn.masked_bias")!.shape, []);
    assert.deepEqual([...legacy.tensors.get("h.0.attn.masked_bias")!.data], [-1e4]);
    for (const [name, tensor] of modern.tensors) {
        const old = legacy.tensors.get(name.replace(/^transformer\./, ""))!;
        assert.deepEqual(old.shape, tensor.shape, name);
        assert.deepEqual(old.data, tensor.data, name);
        const h = half.tensors.get(name)!;
        assert.equal(h.dtype, "F16");
        for (let i = 0; i < tensor.data.length; i += 97) {
            assert.equal(
                h.data[i],
                float16ToFloat32(float32ToFloat16(tensor.data[i])),
                `${name}[${i}]`,
            );
        }
    }
    // A re-encoded fixture is byte-identical to the file the reference script wrote.
    const original = readFileSync(join(fixturesDir, "gpt2-tiny", "model.safetensors"));
    const again = encodeSafetensors(modern.tensors, modern.metadata);
    assert.ok(Buffer.from(again).equals(original));
});

test("damaged files give a clear error naming the problem", () => {
    const four = new Uint8Array(4);
    const ok = { t: { dtype: "F32", shape: [1], data_offsets: [0, 4] } };
    const cases: [string, Uint8Array, RegExp][] = [
        ["too short", new Uint8Array(5), /file too short.*5 bytes/],
        [
            "header past end",
            rawFile(ok, four, 10_000),
            /header length 10000 is larger than the file/,
        ],
        ["bad JSON", rawFile("{not json", four), /not valid JSON/],
        ["not an object", rawFile("[1, 2]", four), /must be a JSON object/],
        [
            "dtype",
            rawFile({ t: { dtype: "F8", shape: [1], data_offsets: [0, 4] } }, four),
            /"t" has unsupported dtype "F8"/,
        ],
        [
            "shape",
            rawFile({ t: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, four),
            /invalid shape/,
        ],
        [
            "size",
            rawFile({ t: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, four),
            /needs 8 bytes but data_offsets \[0, 4\] span 4/,
        ],
        [
            "truncated",
            rawFile({ t: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, four),
            /"t": data is truncated/,
        ],
        [
            "overlap",
            rawFile(
                {
                    a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
                    b: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
                },
                four,
            ),
            /overlaps tensor "a"/,
        ],
        [
            "gap",
            rawFile({ t: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
            /gap in the data area: bytes \[0, 4\)/,
        ],
        ["trailing", rawFile(ok, new Uint8Array(6)), /2 trailing bytes/],
        [
            "metadata",
            rawFile({ __metadata__: { a: 1 }, ...ok }, four),
            /__metadata__.a must be a string/,
        ],
    ];
    for (const [what, bytes, pattern] of cases) {
        assert.throws(
            () => readSafetensors(bytes),
            (e: Error) => e.name === "UserError" && pattern.test(e.message),
            what,
        );
    }
    assert.throws(
        () => encodeSafetensors({ t: { shape: [2, 2], data: new Float32Array(3) } }),
        /shape \[2, 2\] holds 4 values but 3/,
    );
});
