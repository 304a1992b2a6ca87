// Where tests find the repository and the shared, read-only material (corpus, GPT-2 fixtures).
// The shared folder sits beside the checkout as ../shared unless LM_LAB_SHARED says otherwise.

import { resolve } from "node:path";

export const repoRoot = resolve(__dirname, "..", "..");
export const sharedDir = process.env.LM_LAB_SHARED ?? resolve(repoRoot, "..", "shared");
export const fixturesDir = resolve(sharedDir, "fixtures");
export const shakespearePath = resolve(sharedDir, "data", "tinyshakespeare.txt");
