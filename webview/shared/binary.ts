// Decoding of the engine's base64 tensor payloads (attention matrices and thumbnails) into typed
// arrays, in the browser (atob) and in Node tests alike.

export function base64ToBytes(data: string): Uint8Array {
    const binary = atob(data);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
}

/** Little-endian float32 values; the length must be a multiple of 4 bytes. */
export function base64ToFloat32(data: string): Float32Array {
    const bytes = base64ToBytes(data);
    if (bytes.length % 4 !== 0) {
        throw new RangeError(`float32 payload of ${bytes.length} bytes is not a multiple of 4`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
}
