/** What the crash test's worker and parent share: the stdout line format and the known data. */

/** Texts the parent knows: each stored event's `data.text` must be exactly one of them. */
export const UNICODE_SAMPLES = [
  '市长质量奖申报材料——第二轮评审',
  'emoji 🏆🎉👩🏽‍🔬 and flags 🇨🇳',
  'combining: é ñ ǘ, precomposed: é ñ ǘ',
  'RTL: مرحبا بالعالم — שלום',
  'control chars: tab\t newline\n nul\u0000 bell\u0007',
  'astral CJK: 𠀀𪚥𰻞 and math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'quotes "double" \'single\' \\backslash\\ and </script>',
] as const;

/** One line per acknowledged append; `batch` is set when several events were appended atomically. */
export interface AckLine {
  t: 'ack';
  worker: string;
  kind: 'single' | 'batch' | 'multi';
  batch?: { id: string; size: number };
  events: Array<{ id: string; streamId: string; revision: number; position: number; hash: string }>;
}

export interface ReadyLine {
  t: 'ready';
  worker: string;
  revisions: Record<string, number | 'no_stream'>;
}

/** `data.batch` of events appended together: all `size` of them must be stored, or none. */
export interface BatchMarker {
  id: string;
  index: number;
  size: number;
}

export const streamName = (index: number) => `crash-${index}`;
