// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), as
// the API accepts them: a signed decimal number and a suffix, which is a
// binary multiple (Ki … Ei), a decimal one (n, u, m, none, k, M, G, T, P,
// E) or a decimal exponent (e3, E-2). "1E" is an exa, "1E3" a thousand; "K",
// "1e" and "1 Gi" are not quantities. The value is kept exactly, in
// nano-units, rounded up as the API rounds what is below a nano.

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  /** the value in nano-units (1 = 1n, 1_000_000_000 = 1) */
  nanos: bigint;
  /** how the quantity was written, which decides how it is shown again */
  format: QuantityFormat;
}

const pattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;

const binary: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** The largest decimal exponent accepted (far above any real quantity), so that "1e999999999" is refused rather than computed. */
const maxExponent = 1000;

const ten = (n: number) => 10n ** BigInt(n);

/** parseQuantity reads a quantity, or undefined when the text is not one (surrounding spaces are not allowed, as in the API). */
export function parseQuantity(text: string): Quantity | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const [, sign, number, suffix = ''] = m;
  const [whole, fraction = ''] = number.split('.');
  let mantissa = BigInt((whole || '0') + fraction);
  let exp10 = -fraction.length;
  let format: QuantityFormat = 'DecimalSI';
  if (suffix in binary) {
    mantissa *= 1024n ** BigInt(binary[suffix]);
    format = 'BinarySI';
  } else if (suffix in decimal) {
    exp10 += decimal[suffix];
  } else {
    const e = Number(suffix.slice(1));
    if (!Number.isSafeInteger(e) || Math.abs(e) > maxExponent) return undefined;
    exp10 += e;
    format = 'DecimalExponent';
  }
  // Nano-units: shift by nine more places; what is left below a nano rounds up.
  const shift = exp10 + 9;
  let nanos: bigint;
  if (shift >= 0) nanos = mantissa * ten(shift);
  else {
    const d = ten(-shift);
    nanos = mantissa / d + (mantissa % d === 0n ? 0n : 1n);
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

/** isQuantity tells whether a text is a quantity. */
export function isQuantity(text: string): boolean {
  return parseQuantity(text) !== undefined;
}

/** compareQuantities is negative, zero or positive as a is less than, equal to or more than b, exactly. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** quantityValue is a quantity as a number (of cores, bytes, objects), for bars and ratios. */
export function quantityValue(q: Quantity): number {
  return Number(q.nanos) / 1e9;
}

/** isWholeQuantity tells whether a quantity is a whole number, as the API requires of object counts. */
export function isWholeQuantity(q: Quantity): boolean {
  return q.nanos % 1_000_000_000n === 0n;
}

/** What a resource is measured in: CPU in cores, memory and storage in bytes, the rest as counts. */
export type ResourceUnit = 'cores' | 'bytes' | 'count';

/** resourceUnit tells the unit of a resource name of a quota or a limit range (requests.cpu, limits.memory, requests.storage, pods, count/…). */
export function resourceUnit(resource: string): ResourceUnit {
  if (resource.startsWith('count/')) return 'count';
  const last = resource.split('.').pop() ?? resource;
  if (last === 'cpu') return 'cores';
  if (last === 'memory' || last === 'storage' || last === 'ephemeral-storage' || resource.includes('hugepages-')) return 'bytes';
  return 'count';
}

const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const decimalSuffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

function number(v: number, lang: string, digits: number): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v);
}

/**
 * formatBytes shows an amount of memory or storage with the suffixes the
 * user types: binary multiples (512 Mi, 1.5 Gi), or decimal ones (2 G) for
 * an amount written so, which a binary one would show as an odd number.
 */
export function formatBytes(bytes: number, lang: string, format: QuantityFormat = 'BinarySI'): string {
  const step = format === 'BinarySI' ? 1024 : 1000;
  const suffixes = format === 'BinarySI' ? binarySuffixes : decimalSuffixes;
  let i = 0;
  let x = Math.abs(bytes);
  while (x >= step && i < suffixes.length - 1) {
    x /= step;
    i++;
  }
  const shown = number(Math.sign(bytes) * x, lang, x >= 100 || i === 0 ? 0 : x >= 10 ? 1 : 2);
  return suffixes[i] ? `${shown} ${suffixes[i]}` : shown;
}

/** formatCount shows an object count (or another plain quantity). */
export function formatCount(v: number, lang: string): string {
  return number(v, lang, Number.isInteger(v) ? 0 : 3);
}
