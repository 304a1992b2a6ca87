// A typed ONNX graph builder: values carry dtype and shape (dims may be symbolic such as "T"),
// names are hierarchical (parameters `transformer.h.0.attn.c_attn.weight`, nodes
// `/h.0/attn/MatMul_3`), constants are cached per value and dtype, and the same build always
// serialises to the same bytes. Op emitters live in ./ops/*, gradient rules beside them.

import type { onnx } from "onnx-proto";
import { OpType } from "./ops";
import {
    Attr,
    DType,
    Dim,
    encodeModel,
    makeGraph,
    makeModel,
    makeNode,
    makeTensor,
    makeValueInfo,
} from "./onnx";

export type { Attr, DType, Dim } from "./onnx";

/** A tensor in the graph under construction. Its name may change until serialisation. */
export class Value {
    constructor(
        public name: string,
        readonly dtype: DType,
        readonly shape: readonly Dim[],
        readonly producer?: Node,
    ) {}

    get rank(): number {
        return this.shape.length;
    }
}

export interface Node {
    opType: string;
    name: string;
    /** Node scope path at creation, so gradient nodes can be named after their source. */
    scope: string[];
    inputs: (Value | undefined)[];
    outputs: Value[];
    attrs: Record<string, Attr>;
    domain: string;
    /** Build-time facts the gradient rules read back (axes, split sizes…). */
    meta: Record<string, unknown>;
}

export interface GraphBuilderOptions {
    /** Floating-point type of parameters and float constants (float64 for gradient checks). */
    float?: "float32" | "float64";
    /** Parameters become initializers holding these weights; without it they are graph inputs. */
    weights?: Map<string, Float32Array>;
    /** Supplies each parameter's value instead (e.g. a view of one flat input); wins over `weights`. */
    paramSource?: (name: string, shape: number[]) => Value;
}

type TypedData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export class GraphBuilder {
    readonly float: "float32" | "float64";
    readonly nodes: Node[] = [];
    readonly inputs: Value[] = [];
    readonly outputs: Value[] = [];
    /** Parameters in creation order, by full name. */
    readonly params = new Map<string, Value>();
    private readonly initializers = new Map<string, { value: Value; data: TypedData }>();
    private readonly constants = new Map<string, Value>();
    private readonly names = new Set<string>();
    private readonly counters = new Map<string, number>();
    private paramScope: string[] = [];
    private nodeScope: string[] = [];
    private readonly weights?: Map<string, Float32Array>;
    private readonly paramSource?: (name: string, shape: number[]) => Value;

    constructor(options: GraphBuilderOptions = {}) {
        this.float = options.float ?? "float32";
        this.weights = options.weights;
        this.paramSource = options.paramSource;
    }

    /**
     * Runs `fn` inside a scope: `name` extends parameter names (dot-joined) and `nodeName`
     * (default: `name`; "" for none) extends node names (slash-joined).
     */
    scope<R>(name: string, fn: () => R, nodeName: string = name): R {
        const savedParam = this.paramScope;
        const savedNode = this.nodeScope;
        this.paramScope = name === "" ? savedParam : [...savedParam, name];
        this.nodeScope = nodeName === "" ? savedNode : [...savedNode, nodeName];
        try {
            return fn();
        } finally {
            this.paramScope = savedParam;
            this.nodeScope = savedNode;
        }
    }

    /** Runs `fn` with the node scope replaced by `path` (used to name gradient nodes). */
    withNodeScope<R>(path: string[], fn: () => R): R {
        const saved = this.nodeScope;
        this.nodeScope = path;
        try {
            return fn();
        } finally {
            this.nodeScope = saved;
        }
    }

    input(name: string, dtype: DType, shape: Dim[]): Value {
        const value = new Value(this.claim(name), dtype, shape);
        this.inputs.push(value);
        return value;
    }

    /** A trainable tensor named by the current parameter scope plus `name`. */
    param(name: string, shape: number[]): Value {
        const full = [...this.paramScope, name].join(".");
        if (this.params.has(full)) throw new Error(`parameter ${full} defined twice`);
        let value: Value;
        if (this.paramSource) {
            value = this.withNodeScope([], () => this.paramSource!(full, shape));
            if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
                throw new Error(
                    `parameter ${full}: source gave ${fmtShape(value.shape)}, expected ${fmtShape(shape)}`,
                );
            }
        } else if (this.weights) {
            const data = this.weights.get(full);
            if (!data) throw new Error(`missing weight ${full} [${shape}]`);
            const count = shape.reduce((a, b) => a * b, 1);
            if (data.length !== count) {
                throw new Error(
                    `weight ${full}: expected [${shape}] (${count} values), found ${data.length}`,
                );
            }
            value = new Value(this.claim(full), this.float, shape);
            const stored = this.float === "float64" ? Float64Array.from(data) : data;
            this.initializers.set(full, { value, data: stored });
        } else {
            value = this.input(full, this.float, shape);
        }
        this.params.set(full, value);
        return value;
    }

    /** A constant tensor, shared by every use with the same dtype, shape and values. */
    constant(
        values: ArrayLike<number> | TypedData,
        shape: number[],
        dtype: DType = this.float,
    ): Value {
        const small = values.length <= 64;
        const key = small
            ? `${dtype}|${shape}|${Array.from(values as ArrayLike<number>).join(",")}`
            : "";
        const cached = small ? this.constants.get(key) : undefined;
        if (cached) return cached;
        const value = new Value(this.claim(`const_${this.initializers.size}`), dtype, shape);
        this.initializers.set(value.name, { value, data: toTyped(values, dtype) });
        if (small) this.constants.set(key, value);
        return value;
    }

    scalar(x: number, dtype: DType = this.float): Value {
        return this.constant([x], [], dtype);
    }

    /** A 1-D int64 constant, as shape-like op inputs (axes, shapes, split sizes) want. */
    ints(values: number[]): Value {
        return this.constant(values, [values.length], "int64");
    }

    /**
     * Appends a node. `outputs` gives each output's dtype and shape, as computed and checked by
     * the calling emitter.
     */
    emit(
        opType: string,
        inputs: (Value | undefined)[],
        outputs: { dtype: DType; shape: readonly Dim[] }[],
        attrs: Record<string, Attr> = {},
        meta: Record<string, unknown> = {},
        domain = "",
    ): Value[] {
        const base = ["", ...this.nodeScope, opType].join("/");
        const n = this.counters.get(base) ?? 0;
        this.counters.set(base, n + 1);
        const name = n === 0 ? base : `${base}_${n}`;
        const node: Node = {
            opType,
            name,
            scope: this.nodeScope,
            inputs,
            outputs: [],
            attrs,
            domain,
            meta,
        };
        node.outputs = outputs.map(
            (o, i) => new Value(this.claim(`${name}_output_${i}`), o.dtype, o.shape, node),
        );
        this.nodes.push(node);
        return node.outputs;
    }

    /**
     * Makes `value` a graph output called `name`. A node output is renamed in place; an input,
     * initializer or value already exported goes through an Identity node.
     */
    output(value: Value, name: string = value.name): Value {
        let out = value;
        const renamable = value.producer !== undefined && !this.outputs.includes(value);
        if (value.name !== name) {
            if (renamable) {
                this.names.delete(value.name);
                value.name = this.claim(name);
            } else {
                out = this.emit(
                    OpType.Identity,
                    [value],
                    [{ dtype: value.dtype, shape: value.shape }],
                )[0];
                this.names.delete(out.name);
                out.name = this.claim(name);
            }
        } else if (!renamable) {
            throw new Error(
                `output ${name}: a graph input or initializer cannot be exported under its own name`,
            );
        }
        this.outputs.push(out);
        return out;
    }

    /** The ModelProto; nodes that no output depends on (e.g. a cancelled transpose) are left out. */
    toModel(graphName = "lm-lab"): onnx.ModelProto {
        const nodes = this.liveNodes().map((n) =>
            makeNode(
                n.opType,
                n.inputs.map((v) => v?.name ?? ""),
                n.outputs.map((v) => v.name),
                n.name,
                n.attrs,
                n.domain,
            ),
        );
        const used = new Set(this.liveNodes().flatMap((n) => n.inputs));
        const inits = [...this.initializers.values()]
            .filter(({ value }) => used.has(value))
            .map(({ value, data }) =>
                makeTensor(value.name, value.dtype, value.shape as number[], data),
            );
        const domains = [
            ...new Set(this.nodes.map((n) => n.domain).filter((d) => d !== "")),
        ].sort();
        const graph = makeGraph(
            graphName,
            nodes,
            this.inputs.map((v) => makeValueInfo(v.name, v.dtype, [...v.shape])),
            this.outputs.map((v) => makeValueInfo(v.name, v.dtype, [...v.shape])),
            inits,
        );
        return makeModel(graph, domains);
    }

    toBytes(graphName?: string): Uint8Array {
        return encodeModel(this.toModel(graphName));
    }

    private liveNodes(): Node[] {
        const needed = new Set<Value>(this.outputs);
        const live: Node[] = [];
        for (let i = this.nodes.length - 1; i >= 0; i--) {
            const node = this.nodes[i];
            if (!node.outputs.some((v) => needed.has(v))) continue;
            live.push(node);
            for (const v of node.inputs) if (v) needed.add(v);
        }
        return live.reverse();
    }

    private claim(name: string): string {
        if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
        this.names.add(name);
        return name;
    }
}

/** Whether two dims are known to be equal (same number, or same symbol). */
export function dimEq(a: Dim, b: Dim): boolean {
    return a === b;
}

export function shapeEq(a: readonly Dim[], b: readonly Dim[]): boolean {
    return a.length === b.length && a.every((d, i) => dimEq(d, b[i]));
}

export function fmtShape(s: readonly Dim[]): string {
    return `[${s.join(",")}]`;
}

/** True when every dim is a number. */
export function isStatic(s: readonly Dim[]): s is number[] {
    return s.every((d) => typeof d === "number");
}

export function numel(s: readonly number[]): number {
    return s.reduce((a, b) => a * b, 1);
}

function toTyped(values: ArrayLike<number> | TypedData, dtype: DType): TypedData {
    switch (dtype) {
        case "float32":
            return values instanceof Float32Array
                ? values
                : Float32Array.from(values as ArrayLike<number>);
        case "float64":
            return values instanceof Float64Array
                ? values
                : Float64Array.from(values as ArrayLike<number>);
        case "int32":
            return values instanceof Int32Array
                ? values
                : Int32Array.from(values as ArrayLike<number>);
        case "int64":
            return values instanceof BigInt64Array
                ? values
                : BigInt64Array.from(Array.from(values as ArrayLike<number>, (v) => BigInt(v)));
        case "bool":
            return Uint8Array.from(values as ArrayLike<number>);
    }
}
