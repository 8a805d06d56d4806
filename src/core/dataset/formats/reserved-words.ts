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
  /** Anchor characters, and for each the words holding it (parallel arrays: no iterator per call). */
  private readonly anchors: string[] = [];
  private readonly groups: Anchored[][] = [];
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
      let group = this.anchors.indexOf(anchor);
      if (group < 0) group = this.anchors.push(anchor) - 1;
      (this.groups[group] ??= []).push({ word: word.toLowerCase(), offset });
    }
    if (plain.length > 0)
      this.plain = new RegExp(plain.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
  }

  /** The first reserved word found in `text`, as written there, or undefined. */
  find(text: string): string | undefined {
    for (let a = 0; a < this.anchors.length; a++) {
      const words = this.groups[a];
      let at = text.indexOf(this.anchors[a]);
      while (at >= 0) {
        for (let w = 0; w < words.length; w++) {
          const start = at - words[w].offset;
          if (start >= 0 && matchesAt(text, start, words[w].word))
            return text.slice(start, start + words[w].word.length);
        }
        at = text.indexOf(this.anchors[a], at + 1);
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
