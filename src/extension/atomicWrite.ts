// Atomic file writes for exports: the data goes to a temporary file beside the target, which is
// then renamed over it, so a failed write never leaves a half-written file.

import * as fs from "node:fs/promises";
import * as path from "node:path";

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
    try {
        await fs.writeFile(tmp, data);
        await fs.rename(tmp, file);
    } catch (error) {
        await fs.rm(tmp, { force: true });
        throw error;
    }
}
