// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the raw little-endian tensor data.
// Reading is strict (every byte of the data area belongs to exactly one tensor) so a damaged or
// truncated checkpoint is reported with the offending tensor rather than loaded as garbage.

import { readFileSync } from "node:fs";
import { UserError } from "../types";
import { writeFileAtomic } from "./atomic";

export type SafetensorsDtype =
    "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

/** One tensor as read from a file. */
export interface SafeTensor {
    /** The dtype stored on disk. */
    dtype: SafetensorsDtype;
    shape: number[];
    /** Values as float32: F16 and BF16 are upcast exactly, F64 is rounded, integers converted. */
    data: Float32Array;
    /** Exact values of integer and boolean tensors (I64 as BigInt64Array); absent for floats. */
    ints?: Int32Array | BigInt64Array;
}

export interface SafetensorsFile {
    tensors: Map<string, SafeTensor>;
    /** The `__metadata__` string map (empty when the file has none). */
    metadata: Record<string, string>;
}

/** A tensor to write: float32 values, row-major. */
export interface TensorToWrite {
    shape: readonly number[];
    data: Float32Array;
}

export interface WriteOptions {
    /** On-disk dtype for every tensor (default F32, which round-trips bit for bit). */
    dtype?: "F32" | "F16";
}

/**
 * Reads a safetensors file (path) or buffer. Throws `UserError` naming the file and the tensor on
 * any inconsistency: short file, header length past the end, bad JSON, unknown dtype, a byte range
 * that disagrees with dtype and shape, overlapping ranges, gaps, truncated or trailing data.
 */
export function readSafetensors(source: string | Uint8Array): SafetensorsFile {
    const label = typeof source === "string" ? source : "safetensors buffer";
    const bytes = typeof source === "string" ? readFileSync(source) : source;
    if (bytes.length < 8) {
        throw new UserError(
            `${label}: file too short for a safetensors header (${bytes.length} bytes, need at least 8)`,
        );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getBigUint64(0, true);
    if (headerLength > BigInt(bytes.length - 8)) {
        throw new UserError(
            `${label}: header length ${headerLength} is larger than the file ` +
                `(${bytes.length} bytes, at most ${bytes.length - 8} available after the length field)`,
        );
    }
    const dataStart = 8 + Number(headerLength);
    const header = parseHeader(bytes.subarray(8, dataStart), label);
    const data = bytes.subarray(dataStart);

    const entries = checkEntries(header, data.length, label);
    const tensors = new Map<string, SafeTensor>();
    for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        tensors.set(entry.name, decodeTensor(entry, data.subarray(entry.begin, entry.end)));
    }
    return { tensors, metadata: header.metadata };
}

/** Encodes tensors as safetensors bytes: names sorted, header padded to 8 bytes, no gaps. */
export function encodeSafetensors(
    tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
    metadata: Record<string, string> = {},
    options: WriteOptions = {},
): Uint8Array {
    const dtype = options.dtype ?? "F32";
    const width = dtypeBytes[dtype];
    const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
    const names = [...map.keys()].sort();

    const header: Record<string, unknown> = {};
    if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
    let offset = 0;
    for (const name of names) {
        const tensor = map.get(name)!;
        const count = elementCount(tensor.shape);
        if (count !== tensor.data.length) {
            throw new UserError(
                `tensor "${name}": shape [${tensor.shape.join(", ")}] holds ${count} values ` +
                    `but ${tensor.data.length} were given`,
            );
        }
        header[name] = {
            dtype,
            shape: [...tensor.shape],
            data_offsets: [offset, offset + count * width],
        };
        offset += count * width;
    }
    let json = JSON.stringify(header);
    // Pad with spaces so the data area starts on an 8-byte boundary (8 + header length).
    json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
    const headerBytes = Buffer.from(json, "utf8");

    const out = new Uint8Array(8 + headerBytes.length + offset);
    const view = new DataView(out.buffer);
    view.setBigUint64(0, BigInt(headerBytes.length), true);
    out.set(headerBytes, 8);
    let position = 8 + headerBytes.length;
    for (const name of names) {
        const values = map.get(name)!.data;
        if (dtype === "F32") {
            out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position);
        } else {
            for (let i = 0; i < values.length; i++)
                view.setUint16(position + 2 * i, float32ToFloat16(values[i]), true);
        }
        position += values.length * width;
    }
    return out;
}

/** Writes tensors to `path` atomically (see `encodeSafetensors`). */
export function writeSafetensors(
    path: string,
    tensors: ReadonlyMap<string, TensorToWrite> | Record<string, TensorToWrite>,
    metadata: Record<string, string> = {},
    options: WriteOptions = {},
): void {
    writeFileAtomic(path, encodeSafetensors(tensors, metadata, options));
}

/** The float32 value of IEEE half-precision bits (exact). */
export function float16ToFloat32(bits: number): number {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Half-precision bits of a float32 value, rounded to nearest, ties to even. */
export function float32ToFloat16(value: number): number {
    f32Scratch[0] = value;
    const bits = u32Scratch[0];
    const sign = (bits >>> 16) & 0x8000;
    const exponent = (bits >>> 23) & 0xff;
    const mantissa = bits & 0x7fffff;
    if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
    const halfExponent = exponent - 127 + 15;
    if (halfExponent >= 31) return sign | 0x7c00;
    if (halfExponent <= 0) {
        // Subnormal half (or zero): shift the full significand, rounding to nearest even.
        if (halfExponent < -10) return sign;
        const significand = mantissa | 0x800000;
        const shift = 14 - halfExponent;
        return sign | roundShift(significand, shift);
    }
    // A carry out of the mantissa correctly bumps the exponent (possibly to infinity).
    return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

// ---------------------------------------------------------------------------------------------

const dtypeBytes: Record<SafetensorsDtype, number> = {
    F64: 8,
    F32: 4,
    F16: 2,
    BF16: 2,
    I64: 8,
    I32: 4,
    I16: 2,
    I8: 1,
    U8: 1,
    BOOL: 1,
};

interface Entry {
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    begin: number;
    end: number;
}

interface Header {
    raw: Record<string, unknown>;
    metadata: Record<string, string>;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function roundShift(value: number, shift: number): number {
    const kept = value >>> shift;
    const rest = value & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (kept & 1) === 1)) return kept + 1;
    return kept;
}

function parseHeader(bytes: Uint8Array, label: string): Header {
    let raw: unknown;
    try {
        raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (error) {
        throw new UserError(
            `${label}: the safetensors header is not valid JSON (${(error as Error).message})`,
        );
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new UserError(`${label}: the safetensors header must be a JSON object`);
    }
    const record = raw as Record<string, unknown>;
    const metadata: Record<string, string> = {};
    const meta = record.__metadata__;
    if (meta !== undefined) {
        if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
            throw new UserError(`${label}: __metadata__ must be an object of strings`);
        }
        for (const [key, value] of Object.entries(meta)) {
            if (typeof value !== "string") {
                throw new UserError(
                    `${label}: __metadata__.${key} must be a string, found ${JSON.stringify(value)}`,
                );
            }
            metadata[key] = value;
        }
    }
    return { raw: record, metadata };
}

function checkEntries(header: Header, dataLength: number, label: string): Entry[] {
    const entries: Entry[] = [];
    for (const [name, value] of Object.entries(header.raw)) {
        if (name === "__metadata__") continue;
        const where = `${label}: tensor "${name}"`;
        if (typeof value !== "object" || value === null)
            throw new UserError(`${where} has no description object`);
        const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
        if (typeof dtype !== "string" || !(dtype in dtypeBytes)) {
            throw new UserError(
                `${where} has unsupported dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(dtypeBytes).join(", ")})`,
            );
        }
        if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
            throw new UserError(`${where} has an invalid shape ${JSON.stringify(shape)}`);
        }
        if (
            !Array.isArray(offsets) ||
            offsets.length !== 2 ||
            !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
            offsets[0] > offsets[1]
        ) {
            throw new UserError(`${where} has invalid data_offsets ${JSON.stringify(offsets)}`);
        }
        const expected = elementCount(shape) * dtypeBytes[dtype as SafetensorsDtype];
        const size = offsets[1] - offsets[0];
        if (size !== expected) {
            throw new UserError(
                `${where}: ${dtype} [${shape.join(", ")}] needs ${expected} bytes but data_offsets ` +
                    `[${offsets[0]}, ${offsets[1]}] span ${size}`,
            );
        }
        if (offsets[1] > dataLength) {
            throw new UserError(
                `${where}: data is truncated (needs bytes up to ${offsets[1]} of the data area, ` +
                    `which has only ${dataLength})`,
            );
        }
        entries.push({
            name,
            dtype: dtype as SafetensorsDtype,
            shape,
            begin: offsets[0],
            end: offsets[1],
        });
    }
    // The ranges must tile the data area exactly: sorted by start, each begins where the last ended.
    const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
    let cursor = 0;
    let previous = "";
    for (const entry of ordered) {
        if (entry.begin < cursor) {
            throw new UserError(
                `${label}: tensor "${entry.name}" [${entry.begin}, ${entry.end}) overlaps tensor "${previous}" (ends at ${cursor})`,
            );
        }
        if (entry.begin > cursor) {
            throw new UserError(
                `${label}: gap in the data area: bytes [${cursor}, ${entry.begin}) before tensor "${entry.name}" belong to no tensor`,
            );
        }
        cursor = entry.end;
        previous = entry.name;
    }
    if (cursor !== dataLength) {
        throw new UserError(
            `${label}: ${dataLength - cursor} trailing bytes after the last tensor (data area ${dataLength} bytes, tensors end at ${cursor})`,
        );
    }
    return entries;
}

function decodeTensor(entry: Entry, bytes: Uint8Array): SafeTensor {
    const count = elementCount(entry.shape);
    // Copy into a fresh, aligned buffer: the data area may start at any byte offset.
    const aligned = new Uint8Array(bytes);
    const view = new DataView(aligned.buffer);
    const data = new Float32Array(count);
    let ints: Int32Array | BigInt64Array | undefined;
    switch (entry.dtype) {
        case "F32":
            return {
                dtype: entry.dtype,
                shape: entry.shape,
                data: new Float32Array(aligned.buffer, 0, count),
            };
        case "F64":
            for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
            break;
        case "F16":
            for (let i = 0; i < count; i++) data[i] = float16ToFloat32(view.getUint16(2 * i, true));
            break;
        case "BF16":
            for (let i = 0; i < count; i++) {
                u32Scratch[0] = view.getUint16(2 * i, true) << 16;
                data[i] = f32Scratch[0];
            }
            break;
        case "I64": {
            const values = new BigInt64Array(aligned.buffer, 0, count);
            for (let i = 0; i < count; i++) data[i] = Number(values[i]);
            ints = values;
            break;
        }
        default: {
            const values = new Int32Array(count);
            for (let i = 0; i < count; i++) values[i] = readInt(view, entry.dtype, i);
            data.set(values);
            ints = values;
        }
    }
    return ints
        ? { dtype: entry.dtype, shape: entry.shape, data, ints }
        : { dtype: entry.dtype, shape: entry.shape, data };
}

function readInt(view: DataView, dtype: SafetensorsDtype, i: number): number {
    switch (dtype) {
        case "I32":
            return view.getInt32(4 * i, true);
        case "I16":
            return view.getInt16(2 * i, true);
        case "I8":
            return view.getInt8(i);
        default:
            return view.getUint8(i);
    }
}

function elementCount(shape: readonly number[]): number {
    return shape.reduce((product, d) => product * d, 1);
}
