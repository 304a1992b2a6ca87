// Pure checks on training data before it is sent to the engine: binary files are refused with a
// reason naming the byte that gave them away, and run folder names are derived from sources.

/** Why `bytes` is not plain text (a NUL byte or invalid UTF-8), or undefined when it is text. */
export function binaryReason(bytes: Uint8Array): string | undefined {
    const nul = bytes.indexOf(0);
    if (nul >= 0) return `it contains a NUL byte at offset ${nul}`;
    try {
        // A sample may end inside a multi-byte character; ignore an incomplete tail only.
        new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    } catch {
        return "it is not valid UTF-8 text";
    }
    return undefined;
}

/** A run folder name: UTC timestamp plus a slug of the data source, e.g. 20260101-120000-poems. */
export function runFolderName(source: string, now: Date): string {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const slug = source
        .toLowerCase()
        .replace(/\.[a-z0-9]+$/, "")
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40);
    return slug ? `${stamp}-${slug}` : stamp;
}
