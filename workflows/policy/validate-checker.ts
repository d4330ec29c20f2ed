import { isIsoDate } from './dates.js';

/** Generic field checks that collect problems with their paths instead of stopping at the first. */

export type Obj = Record<string, unknown>;

export class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  obj(v: unknown, path: string): Obj | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
    this.fail(path, 'expected an object');
    return undefined;
  }

  arr(v: unknown, path: string): unknown[] {
    if (Array.isArray(v)) return v;
    this.fail(path, 'expected an array');
    return [];
  }

  str(v: unknown, path: string): v is string {
    if (typeof v === 'string' && v.trim() !== '') return true;
    this.fail(path, 'expected a non-empty string');
    return false;
  }

  optStr(v: unknown, path: string): void {
    if (v !== undefined) this.str(v, path);
  }

  int(v: unknown, path: string, min = 0): v is number {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min) return true;
    this.fail(path, `expected an integer >= ${min}`);
    return false;
  }

  bool(v: unknown, path: string): void {
    if (typeof v !== 'boolean') this.fail(path, 'expected true or false');
  }

  date(v: unknown, path: string): v is string {
    if (isIsoDate(v)) return true;
    this.fail(path, `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
    return false;
  }

  oneOf(v: unknown, allowed: readonly string[], path: string): void {
    if (typeof v !== 'string' || !allowed.includes(v)) this.fail(path, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  }

  list(v: unknown, allowed: readonly string[], path: string, nonEmpty = true): string[] {
    const items = this.arr(v, path);
    if (nonEmpty && items.length === 0) this.fail(path, 'expected at least one entry');
    items.forEach((item, i) => this.oneOf(item, allowed, `${path}[${i}]`));
    return items.filter((x): x is string => typeof x === 'string');
  }

  /** `article` present, `reading` optional: every rule says where the regulation says it. */
  cited(v: unknown, path: string): Obj | undefined {
    const o = this.obj(v, path);
    if (!o) return undefined;
    this.str(o.article, `${path}.article`);
    this.optStr(o.reading, `${path}.reading`);
    return o;
  }

  uniqueIds(items: unknown[], key: string, path: string): void {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      const id = (item as Obj | null)?.[key];
      if (seen.has(id)) this.fail(`${path}[${i}].${key}`, `duplicate ${JSON.stringify(id)}`);
      seen.add(id);
    });
  }
}
