import { compareQuantities, formatBytes, formatCount, isQuantity, isWholeQuantity, parseQuantity, quantityValue, resourceUnit } from './quantity';

const nanos = (s: string) => parseQuantity(s)?.nanos;

describe('parseQuantity', () => {
  it.each([
    ['a whole number of cores', '2', 2_000_000_000n, 'DecimalSI'],
    ['millicores', '500m', 500_000_000n, 'DecimalSI'],
    ['a decimal fraction', '0.5', 500_000_000n, 'DecimalSI'],
    ['a fraction without a leading digit', '.25', 250_000_000n, 'DecimalSI'],
    ['a number ending with a point', '3.', 3_000_000_000n, 'DecimalSI'],
    ['a plus sign', '+1', 1_000_000_000n, 'DecimalSI'],
    ['kilo, lower case', '1k', 1000n * 10n ** 9n, 'DecimalSI'],
    ['mega', '2M', 2n * 10n ** 15n, 'DecimalSI'],
    ['giga', '1G', 10n ** 18n, 'DecimalSI'],
    ['an exa, not an exponent', '1E', 10n ** 27n, 'DecimalSI'],
    ['micro', '5u', 5000n, 'DecimalSI'],
    ['nano', '7n', 7n, 'DecimalSI'],
    ['kibibytes', '1Ki', 1024n * 10n ** 9n, 'BinarySI'],
    ['mebibytes', '512Mi', 512n * 1024n ** 2n * 10n ** 9n, 'BinarySI'],
    ['a fraction of gibibytes', '1.5Gi', 1536n * 1024n ** 2n * 10n ** 9n, 'BinarySI'],
    ['exbibytes', '1Ei', 1024n ** 6n * 10n ** 9n, 'BinarySI'],
    ['a lower-case exponent', '1e3', 1000n * 10n ** 9n, 'DecimalExponent'],
    ['an upper-case exponent', '1E3', 1000n * 10n ** 9n, 'DecimalExponent'],
    ['a negative exponent', '25e-2', 250_000_000n, 'DecimalExponent'],
    ['an exponent with a plus sign', '2e+2', 200n * 10n ** 9n, 'DecimalExponent'],
  ])('reads %s (%s)', (_name, text, want, format) => {
    const q = parseQuantity(text);
    expect(q?.nanos).toBe(want);
    expect(q?.format).toBe(format);
  });

  it('keeps the sign of a negative quantity (which the forms then refuse)', () => {
    expect(nanos('-1')).toBe(-1_000_000_000n);
    expect(nanos('-100m')).toBe(-100_000_000n);
  });

  it('rounds what is below a nano up, as the API does', () => {
    expect(nanos('0.1n')).toBe(1n);
    expect(nanos('1.0000000001')).toBe(1_000_000_001n);
    expect(nanos('0.0000000000')).toBe(0n);
  });

  it.each([[''], [' 1'], ['1 '], ['1 Gi'], ['K'], ['1K'], ['1KI'], ['1ki'], ['1e'], ['1e1.5'], ['1Gib'], ['1GB'], ['1b'], ['abc'], ['.'], ['1..2'], ['--1'], ['1e999999999'], ['0x10'], ['1,5']])('refuses %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
    expect(isQuantity(text)).toBe(false);
  });
});

describe('comparing and converting quantities', () => {
  it('compares exactly across suffixes', () => {
    const q = (s: string) => parseQuantity(s)!;
    expect(compareQuantities(q('1'), q('1000m'))).toBe(0);
    expect(compareQuantities(q('1Gi'), q('1G'))).toBe(1);
    expect(compareQuantities(q('1024Mi'), q('1Gi'))).toBe(0);
    expect(compareQuantities(q('999m'), q('1'))).toBe(-1);
    expect(compareQuantities(q('1e3'), q('1k'))).toBe(0);
    // Where floating point would blur them, the exact values do not.
    expect(compareQuantities(q('1.000000001'), q('1'))).toBe(1);
  });

  it('gives the value as a number for bars', () => {
    expect(quantityValue(parseQuantity('250m')!)).toBe(0.25);
    expect(quantityValue(parseQuantity('2Gi')!)).toBe(2 * 1024 ** 3);
    expect(quantityValue(parseQuantity('10')!)).toBe(10);
  });

  it('tells whole numbers, which object counts must be', () => {
    expect(isWholeQuantity(parseQuantity('10')!)).toBe(true);
    expect(isWholeQuantity(parseQuantity('1k')!)).toBe(true);
    expect(isWholeQuantity(parseQuantity('2000m')!)).toBe(true);
    expect(isWholeQuantity(parseQuantity('1.5')!)).toBe(false);
    expect(isWholeQuantity(parseQuantity('500m')!)).toBe(false);
  });
});

describe('units and formatting', () => {
  it.each([
    ['requests.cpu', 'cores'],
    ['limits.cpu', 'cores'],
    ['cpu', 'cores'],
    ['requests.memory', 'bytes'],
    ['memory', 'bytes'],
    ['requests.storage', 'bytes'],
    ['fast.storageclass.storage.k8s.io/requests.storage', 'bytes'],
    ['requests.ephemeral-storage', 'bytes'],
    ['requests.hugepages-2Mi', 'bytes'],
    ['pods', 'count'],
    ['count/deployments.apps', 'count'],
    ['persistentvolumeclaims', 'count'],
  ])('measures %s in %s', (resource, unit) => {
    expect(resourceUnit(resource)).toBe(unit);
  });

  it.each([
    [0, 'BinarySI', '0'],
    [512, 'BinarySI', '512'],
    [1536, 'BinarySI', '1.5 Ki'],
    [512 * 1024 ** 2, 'BinarySI', '512 Mi'],
    [1.5 * 1024 ** 3, 'BinarySI', '1.5 Gi'],
    [10 * 1024 ** 4, 'BinarySI', '10 Ti'],
    [2e9, 'DecimalSI', '2 G'],
    [1.5e6, 'DecimalSI', '1.5 M'],
  ] as const)('shows %d bytes written as %s as %s', (v, format, want) => {
    expect(formatBytes(v, 'en', format)).toBe(want);
  });

  it('shows counts as numbers in the user’s language', () => {
    expect(formatCount(1500, 'en')).toBe('1,500');
    expect(formatCount(3, 'ko')).toBe('3');
  });
});
