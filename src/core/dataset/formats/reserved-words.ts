// Finds reserved markers (Nova: "User:", "<image>", "[EOS]"...) in text, case-insensitively, without a
// regular expression over every character: each marker holds a punctuation character (':', '<', '['),
// so the text is scanned for those with indexOf (fast, native) and only the hits are compared.
// A case-insensitive alternation regex cost more than JSON.parse on typical records.

interface Anchored {
  word: string;
  /** Where the anchor character sits in the word. */
  offset: number;
}

const LETTER_OR_DIGIT = /[a-z0-9]/i;

export class ReservedWords {
  /** Anchor character -> the words holding it. */
  private readonly byAnchor = new Map<string, Anchored[]>();
  /** Words made only of letters and digits have no anchor: a regex finds them. */
  private readonly plain?: RegExp;

  constructor(words: readonly string[]) {
    const plain: string[] = [];
    for (const word of words) {
      const offset = [...word].findIndex((c) => !LETTER_OR_DIGIT.test(c));
      if (offset < 0) {
        plain.push(word);
        continue;
      }
      const anchor = word[offset];
      const list = this.byAnchor.get(anchor) ?? [];
      list.push({ word: word.toLowerCase(), offset });
      this.byAnchor.set(anchor, list);
    }
    if (plain.length > 0) this.plain = new RegExp(plain.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
  }

  /** The first reserved word found in `text`, as written there, or undefined. */
  find(text: string): string | undefined {
    for (const [anchor, words] of this.byAnchor) {
      let at = text.indexOf(anchor);
      while (at >= 0) {
        for (const { word, offset } of words) {
          const start = at - offset;
          if (start >= 0 && matchesAt(text, start, word)) return text.slice(start, start + word.length);
        }
        at = text.indexOf(anchor, at + 1);
      }
    }
    return this.plain?.exec(text)?.[0];
  }
}

/** `lowerWord` equals text[start..] ignoring ASCII case. */
function matchesAt(text: string, start: number, lowerWord: string): boolean {
  if (start + lowerWord.length > text.length) return false;
  for (let i = 0; i < lowerWord.length; i++) {
    let c = text.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}
