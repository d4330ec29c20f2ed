/** Every string that differs from `s` in exactly one position, over `alphabet` (for specs). */
export function singleSubstitutions(s: string, alphabet: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    for (const ch of alphabet) if (ch !== s[i]) out.push(s.slice(0, i) + ch + s.slice(i + 1));
  }
  return out;
}
