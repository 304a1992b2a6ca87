// Low-level ONNX protobuf constructors (makeNode, makeGraph, makeTensor, makeValueInfo, makeModel)
// over the protobufjs-generated `onnx-proto` classes. Attributes are emitted sorted by name so
// that the same graph always serialises to the same bytes.

import { onnx } from "onnx-proto";

/** Element types the graph builder knows. */
export type DType = "float32" | "float64" | "int64" | "int32" | "bool";

/** A dimension: a fixed size or a symbolic name such as "T". */
export type Dim = number | string;

/** An attribute value with its ONNX type made explicit (numbers alone cannot say int or float). */
export type Attr =
    | { type: "int"; value: number }
    | { type: "float"; value: number }
    | { type: "ints"; value: number[] }
    | { type: "string"; value: string };

export const attr = {
    int: (value: number): Attr => ({ type: "int", value }),
    float: (value: number): Attr => ({ type: "float", value }),
    ints: (value: number[]): Attr => ({ type: "ints", value }),
    string: (value: string): Attr => ({ type: "string", value }),
};

/** The opset every graph imports; 20 brings the standard Gelu op. */
export const OPSET = 20;
/** IR version 9 goes with opset 19/20. */
export const IR_VERSION = 9;

const elemType: Record<DType, number> = {
    float32: onnx.TensorProto.DataType.FLOAT,
    float64: onnx.TensorProto.DataType.DOUBLE,
    int64: onnx.TensorProto.DataType.INT64,
    int32: onnx.TensorProto.DataType.INT32,
    bool: onnx.TensorProto.DataType.BOOL,
};

/** The TensorProto element-type code of a dtype (e.g. for Cast's `to`). */
export function onnxElemType(dtype: DType): number {
    return elemType[dtype];
}

export function makeNode(
    opType: string,
    inputs: string[],
    outputs: string[],
    name: string,
    attributes: Record<string, Attr> = {},
    domain = "",
): onnx.NodeProto {
    const attrs = Object.keys(attributes)
        .sort()
        .map((key) => makeAttribute(key, attributes[key]));
    return onnx.NodeProto.create({
        opType,
        input: inputs,
        output: outputs,
        name,
        attribute: attrs,
        domain,
    });
}

/** A tensor with its data stored as little-endian raw bytes. */
export function makeTensor(
    name: string,
    dtype: DType,
    dims: number[],
    data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array,
): onnx.TensorProto {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
        throw new Error(`makeTensor ${name}: ${data.length} values for shape [${dims}] (${count})`);
    }
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return onnx.TensorProto.create({ name, dataType: elemType[dtype], dims, rawData: raw });
}

export function makeValueInfo(name: string, dtype: DType, shape: Dim[]): onnx.ValueInfoProto {
    const dim = shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d }));
    return onnx.ValueInfoProto.create({
        name,
        type: { tensorType: { elemType: elemType[dtype], shape: { dim } } },
    });
}

export function makeGraph(
    name: string,
    nodes: onnx.NodeProto[],
    inputs: onnx.ValueInfoProto[],
    outputs: onnx.ValueInfoProto[],
    initializers: onnx.TensorProto[],
): onnx.GraphProto {
    return onnx.GraphProto.create({
        name,
        node: nodes,
        input: inputs,
        output: outputs,
        initializer: initializers,
    });
}

export function makeModel(graph: onnx.GraphProto, extraDomains: string[] = []): onnx.ModelProto {
    const opsetImport = [
        { domain: "", version: OPSET },
        ...extraDomains.map((d) => ({ domain: d, version: 1 })),
    ];
    return onnx.ModelProto.create({
        irVersion: IR_VERSION,
        producerName: "lm-lab",
        opsetImport,
        graph,
    });
}

export function encodeModel(model: onnx.ModelProto): Uint8Array {
    return onnx.ModelProto.encode(model).finish();
}

function makeAttribute(name: string, a: Attr): onnx.AttributeProto {
    const T = onnx.AttributeProto.AttributeType;
    switch (a.type) {
        case "int":
            return onnx.AttributeProto.create({ name, type: T.INT, i: a.value });
        case "float":
            return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
        case "ints":
            return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value });
        case "string":
            return onnx.AttributeProto.create({
                name,
                type: T.STRING,
                s: new TextEncoder().encode(a.value),
            });
    }
}
