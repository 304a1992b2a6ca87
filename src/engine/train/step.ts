// The trainer's view of one training step: a reused ORT session over the one-graph step
// (forward, cross-entropy, backward, clipping, AdamW) and a forward-only session for evaluation
// losses. Parameters and Adam moments live in two preallocated buffer sets that the step reads
// from and writes into alternately, so a step allocates nothing for them.

import * as ort from "onnxruntime-node";
import { paramShapes, checkConfig } from "../model/gpt";
import { createSession } from "../runtime";
import { GptConfig, UserError } from "../types";
import { initParams, xoshiro128 } from "../model/init";
import { buildEvalGraph, buildTrainGraph, names, OptimConfig } from "./stepGraph";

export type { OptimConfig } from "./stepGraph";

export interface TrainState {
    params: Map<string, Float32Array>;
    m: Map<string, Float32Array>;
    v: Map<string, Float32Array>;
}

export interface TrainStepOptions {
    threads?: number;
    /** Seeds parameter initialisation and the dropout masks (with the step number). */
    seed: number;
    executionProviders?: string[];
}

/** One buffer set: a tensor per parameter and per moment, keyed by graph name. */
type Buffers = Map<string, ort.Tensor>;

export class TrainStep {
    private current: Buffers;
    private spare: Buffers;
    private readonly dropoutMasks: { name: string; tensor: ort.Tensor }[];

    private constructor(
        readonly config: GptConfig,
        readonly batchSize: number,
        private readonly seed: number,
        private readonly train: ort.InferenceSession,
        private readonly evaluate: ort.InferenceSession,
        private readonly shapes: [string, number[]][],
        dropoutSites: { name: string; shape: number[] }[],
    ) {
        this.current = allocate(shapes);
        this.spare = allocate(shapes);
        this.dropoutMasks = dropoutSites.map((s) => ({
            name: s.name,
            tensor: new ort.Tensor("float32", new Float32Array(count(s.shape)), s.shape),
        }));
    }

    /**
     * Builds both graphs and opens their sessions. Parameters start from `initParams(config,
     * seed)`; moments start at zero.
     */
    static async create(
        config: GptConfig,
        optim: OptimConfig,
        batchSize: number,
        opts: TrainStepOptions,
    ): Promise<TrainStep> {
        checkConfig(config);
        if (!Number.isInteger(batchSize) || batchSize < 1) {
            throw new UserError(`batch size must be a positive integer, found ${batchSize}`);
        }
        const graph = buildTrainGraph(config, optim, batchSize);
        const runtime = { threads: opts.threads, executionProviders: opts.executionProviders };
        const [train, evaluate] = await Promise.all([
            createSession(graph.bytes, runtime),
            createSession(buildEvalGraph(config, batchSize), runtime),
        ]);
        const step = new TrainStep(config, batchSize, opts.seed, train, evaluate, paramShapes(config), graph.dropoutSites);
        step.setState({ params: initParams(config, opts.seed), m: new Map(), v: new Map() });
        return step;
    }

    /**
     * Runs one update. `x` and `y` are [B*T] token ids (T = block_size); `y` holds the targets,
     * and a negative target is ignored (the masked-LM data marks unmasked positions with -1).
     * `step` is the 1-based AdamW step, which also selects the dropout masks. A non-finite loss
     * or gradient norm is returned as is and leaves the parameters and moments unchanged.
     */
    async step(x: Int32Array, y: Int32Array, lr: number, step: number): Promise<{ loss: number; gradNorm: number }> {
        const feeds = this.batchFeeds(x, y);
        feeds[names.lr] = new ort.Tensor("float32", Float32Array.of(lr), []);
        feeds[names.step] = new ort.Tensor("float32", Float32Array.of(step), []);
        for (const [name, tensor] of this.current) feeds[name] = tensor;
        if (this.dropoutMasks.length > 0) this.fillDropout(step);
        for (const d of this.dropoutMasks) feeds[d.name] = d.tensor;
        const fetches: Record<string, ort.Tensor | null> = { [names.loss]: null, [names.gradNorm]: null };
        for (const [name, tensor] of this.spare) fetches[names.next(name)] = tensor;
        const out = await this.train.run(feeds, fetches);
        const loss = out[names.loss].data[0] as number;
        const gradNorm = out[names.gradNorm].data[0] as number;
        if (Number.isFinite(loss) && Number.isFinite(gradNorm)) [this.current, this.spare] = [this.spare, this.current];
        return { loss, gradNorm };
    }

    /** Mean cross-entropy of a batch with the current parameters, without dropout. */
    async evalLoss(x: Int32Array, y: Int32Array): Promise<number> {
        const feeds = this.batchFeeds(x, y);
        for (const [name] of this.shapes) feeds[name] = this.current.get(name)!;
        const out = await this.evaluate.run(feeds, [names.loss]);
        return out[names.loss].data[0] as number;
    }

    /** Copies of the parameters and moments. */
    getState(): TrainState {
        const state: TrainState = { params: new Map(), m: new Map(), v: new Map() };
        for (const [name] of this.shapes) {
            state.params.set(name, (this.current.get(name)!.data as Float32Array).slice());
            state.m.set(name, (this.current.get(names.m(name))!.data as Float32Array).slice());
            state.v.set(name, (this.current.get(names.v(name))!.data as Float32Array).slice());
        }
        return state;
    }

    /**
     * Replaces the parameters and moments (copied in). Moments absent from the maps are zeroed;
     * a missing parameter or a size mismatch throws naming the tensor, before anything changes.
     */
    setState(state: TrainState): void {
        for (const [name, shape] of this.shapes) {
            const n = count(shape);
            const p = state.params.get(name);
            if (!p) throw new UserError(`state has no parameter ${name} [${shape}]`);
            for (const [what, t] of [["parameter", p], ["first moment", state.m.get(name)], ["second moment", state.v.get(name)]] as const) {
                if (t && t.length !== n) {
                    throw new UserError(`${what} ${name}: expected [${shape}] (${n} values), found ${t.length} values`);
                }
            }
        }
        for (const [name] of this.shapes) {
            (this.current.get(name)!.data as Float32Array).set(state.params.get(name)!);
            setOrZero(this.current.get(names.m(name))!, state.m.get(name));
            setOrZero(this.current.get(names.v(name))!, state.v.get(name));
        }
    }

    async dispose(): Promise<void> {
        await Promise.all([this.train.release(), this.evaluate.release()]);
    }

    private batchFeeds(x: Int32Array, y: Int32Array): Record<string, ort.Tensor> {
        const T = this.config.block_size;
        const n = this.batchSize * T;
        if (x.length !== n || y.length !== n) {
            throw new UserError(`batch must hold ${this.batchSize} x ${T} = ${n} ids, found x ${x.length} and y ${y.length}`);
        }
        const V = this.config.vocab_size;
        for (let i = 0; i < n; i++) {
            if (x[i] < 0 || x[i] >= V) throw new UserError(`input id ${x[i]} at ${i} is outside the vocabulary (0..${V - 1})`);
            if (y[i] >= V) throw new UserError(`target id ${y[i]} at ${i} is outside the vocabulary (0..${V - 1})`);
        }
        return {
            [names.ids]: new ort.Tensor("int32", x, [this.batchSize, T]),
            [names.targets]: new ort.Tensor("int32", y, [n]),
        };
    }

    /** Masks from (seed, step): the same step always drops the same units, so resuming is exact. */
    private fillDropout(step: number): void {
        const p = this.config.dropout;
        const keep = 1 / (1 - p);
        const threshold = Math.floor(p * 4294967296);
        const next = xoshiro128((Math.imul(this.seed | 0, 0x9e3779b1) ^ Math.imul(step | 0, 0x85ebca77)) >>> 0);
        for (const d of this.dropoutMasks) {
            const data = d.tensor.data as Float32Array;
            for (let i = 0; i < data.length; i++) data[i] = next() < threshold ? 0 : keep;
        }
    }
}

function allocate(shapes: [string, number[]][]): Buffers {
    const buffers: Buffers = new Map();
    for (const [name, shape] of shapes) {
        for (const key of [name, names.m(name), names.v(name)]) {
            buffers.set(key, new ort.Tensor("float32", new Float32Array(count(shape)), shape));
        }
    }
    return buffers;
}

function setOrZero(tensor: ort.Tensor, values: Float32Array | undefined): void {
    const data = tensor.data as Float32Array;
    if (values) data.set(values);
    else data.fill(0);
}

function count(shape: readonly number[]): number {
    return shape.reduce((a, b) => a * b, 1);
}
