import { CommitSignals } from './commit-signals.js';

describe('CommitSignals', () => {
  it('wakes those waiting for the next commit of that projection only, and lets the rest time out', async () => {
    const signals = new CommitSignals();
    const woken: string[] = [];
    const quota = signals.nextCommit('quota', 5000).then(() => woken.push('quota'));
    const audit = signals.nextCommit('audit', 30).then(() => woken.push('audit'));
    signals.committed('quota');
    await quota;
    expect(woken).toEqual(['quota']);
    await audit; // its own time ran out
    expect(woken).toEqual(['quota', 'audit']);
  });

  it('answers at once when the index already changed after the checkpoint, else waits for a change or the time', async () => {
    const signals = new CommitSignals();
    signals.indexChanged('deadlines', 40);
    expect(await signals.indexChangedSince('deadlines', 39, 5000)).toBe(true);
    expect(await signals.indexChangedSince('deadlines', 40, 20)).toBe(false);
    const waiting = signals.indexChangedSince('deadlines', 40, 5000);
    signals.indexChanged('deadlines', 41);
    expect(await waiting).toBe(true);
    // An older checkpoint does not move it back.
    signals.indexChanged('deadlines', 10);
    expect(await signals.indexChangedSince('deadlines', 40, 0)).toBe(true);
  });

  it('wakes everyone when the runner stops', async () => {
    const signals = new CommitSignals();
    const all = Promise.all([signals.nextCommit('a', 60_000), signals.nextCommit('b', 60_000), signals.indexChangedSince('c', 0, 60_000)]);
    signals.wakeAll();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([all.then(() => 'woken'), new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting'), 2000)))]);
    clearTimeout(timer);
    expect(outcome).toBe('woken');
  });
});
