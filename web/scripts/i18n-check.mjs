// Checks that every translation key the source uses has a Korean and a
// Chinese text. Keys are the English text; each file names its namespace
// with useTranslation('ns'). With --missing it prints the missing keys as
// JSON per namespace, to fill in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../src/', import.meta.url).pathname;
const locales = ['ko', 'zh'];

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|tsx)$/.test(n) && !/\.test\./.test(n) ? [p] : [];
  });
}

const used = {};
const add = (ns, key) => ((used[ns] ??= new Set()).add(key));
// Texts given a count need their English singular in en.json.
const counted = {};
for (const f of files(root)) {
  const src = readFileSync(f, 'utf8');
  const ns = src.match(/useTranslation\('([a-z]+)'\)/)?.[1] ?? 'common';
  for (const m of src.matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'(,\s*\{\s*count\b)?/g)) {
    const key = m[1].replace(/\\'/g, "'");
    add(ns, key);
    if (m[2]) (counted[ns] ??= new Set()).add(key);
  }
  // Status words and kind titles are looked up by value.
  if (f.endsWith('StatusLabel.tsx') || f.endsWith('ResourceTable.tsx')) {
    for (const s of ['Running', 'Ready', 'Active', 'Completed', 'Succeeded', 'Bound', 'Updating', 'Pending', 'Stopped', 'Terminating', 'Notready', 'Failed', 'Disabled', 'Authlimitexceeded', 'Lost', 'True', 'False', 'Unknown']) add('common', s);
  }
  if (f.endsWith('kindTitles.ts')) for (const m of src.matchAll(/: '([^']+)',/g)) { add('common', m[1]); add('project', m[1]); }
  if (f.endsWith('PasswordForm.tsx')) for (const m of src.matchAll(/return '([^']+)';/g)) { add('auth', m[1]); add('platform', m[1]); }
}

let missing = 0;
const report = {};
const english = JSON.parse(readFileSync(join(root, 'i18n/locales/en.json'), 'utf8'));
for (const [ns, keys] of Object.entries(counted)) {
  for (const k of keys) {
    if (typeof english[ns]?.[`${k}_one`] !== 'string') {
      missing++;
      ((report.en ??= {})[ns] ??= {})[`${k}_one`] = '';
    }
  }
}
for (const l of locales) {
  const dict = JSON.parse(readFileSync(join(root, 'i18n/locales', `${l}.json`), 'utf8'));
  for (const [ns, keys] of Object.entries(used)) {
    for (const k of keys) {
      if (!dict[ns] || typeof dict[ns][k] !== 'string' || dict[ns][k] === '') {
        missing++;
        ((report[l] ??= {})[ns] ??= {})[k] = '';
      }
    }
  }
}
if (process.argv.includes('--missing')) {
  console.log(JSON.stringify(report, null, 1));
} else if (missing > 0) {
  for (const [l, nss] of Object.entries(report)) for (const [ns, keys] of Object.entries(nss)) console.error(`${l}/${ns}: ${Object.keys(keys).length} missing, e.g. ${JSON.stringify(Object.keys(keys)[0])}`);
  console.error(`${missing} translations missing (npm run i18n:check -- --missing lists them)`);
  process.exit(1);
} else {
  console.log(`i18n: every key has ko and zh texts (${Object.values(used).reduce((n, s) => n + s.size, 0)} keys)`);
}
