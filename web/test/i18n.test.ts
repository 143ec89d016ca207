import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogs, detectLanguage, translate } from '../src/i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('message catalogs', () => {
  const en = catalogs.en;
  const fr = catalogs.fr;

  it.each([
    ['en', en, fr],
    ['fr', fr, en],
  ])('every %s key exists in the other language, non-empty, with the same placeholders', (_, a, b) => {
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
      expect(b[key], `missing ${key}`).toBeTypeOf('string');
      expect(b[key].trim(), `empty ${key}`).not.toBe('');
      expect(placeholders(b[key]), `placeholders of ${key}`).toEqual(placeholders(a[key]));
    }
  });

  it('has every key the source code asks for', () => {
    const root = join(__dirname, '../src');
    const used = new Set<string>();
    const prefixes = new Set<string>();
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z0-9_.]+)\$\{/g)) prefixes.add(m[1]);
      for (const m of text.matchAll(/'([a-z]+\.[a-zA-Z0-9_.]+)' : '([a-z]+\.[a-zA-Z0-9_.]+)'/g)) {
        used.add(m[1]);
        used.add(m[2]);
      }
    }
    expect(used.size).toBeGreaterThan(100);
    for (const key of used) {
      expect(Object.keys(en), `key ${key} used in src`).toContain(key);
      expect(Object.keys(fr), `key ${key} used in src`).toContain(key);
    }
    for (const prefix of prefixes) {
      expect(Object.keys(en).some((k) => k.startsWith(prefix)), `prefix ${prefix}`).toBe(true);
    }
  });

  it('fills placeholders and keeps unknown ones', () => {
    expect(translate('fr', 'tickets.number', { number: 7 })).toBe('Billet n° 7');
    expect(translate('en', 'event.seatsOf', { left: 3 })).toBe('3 of {capacity}');
  });
});

describe('detectLanguage', () => {
  it.each([
    ['a stored choice wins', 'fr', ['en-US'], 'fr'],
    ['the first supported browser language', null, ['de-DE', 'fr-CA', 'en'], 'fr'],
    ['English when nothing matches', null, ['de', 'es'], 'en'],
    ['an unknown stored value is ignored', 'xx', ['fr'], 'fr'],
  ] as const)('%s', (_, stored, browser, want) => {
    expect(detectLanguage(stored, browser)).toBe(want);
  });
});
