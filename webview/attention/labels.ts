// Texts of the attention view's header that depend on the result alone, kept free of the DOM so
// they can be tested: the token count, which says so when the text was cut.

/** "12 tokens", or "first 256 of 1,000 tokens" when only the first `shown` of `total` are shown. */
export function tokenCountLabel(shown: number, total: number | undefined): string {
    if (total === undefined || total <= shown) return `${count(shown)} tokens`;
    return `first ${count(shown)} of ${count(total)} tokens (cut at the model context or lmLab.attention.maxTokens)`;
}

function count(n: number): string {
    return n.toLocaleString("en-US");
}
