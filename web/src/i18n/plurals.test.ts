import i18n, { loadLanguage } from '.';

// A text given a count reads right for one and for many in English, and
// Korean and Chinese (one form) keep their single text.
describe('texts with a count', () => {
  afterAll(() => i18n.changeLanguage('en'));

  it.each([
    ['platform', '{{count}} pods were evicted; the node takes no new pods.', 1, '1 pod was evicted; the node takes no new pods.'],
    ['platform', '{{count}} pods were evicted; the node takes no new pods.', 3, '3 pods were evicted; the node takes no new pods.'],
    ['platform', '{{count}} pods could not be evicted', 1, '1 pod could not be evicted'],
    ['platform', '{{count}} pods could not be evicted', 0, '0 pods could not be evicted'],
    ['project', '{{count}} failures allowed', 1, '1 failure allowed'],
    ['project', '{{count}} failures allowed', 5, '5 failures allowed'],
  ])('in English, %s "%s" with %d', async (ns, key, count, want) => {
    await i18n.changeLanguage('en');
    expect(i18n.t(key, { ns, count })).toBe(want);
  });

  it('in Korean and Chinese, the one text for every count', async () => {
    await loadLanguage('ko');
    await loadLanguage('zh');
    await i18n.changeLanguage('ko');
    expect(i18n.t('{{count}} pods could not be evicted', { ns: 'platform', count: 1 })).toBe('파드 1개를 축출하지 못했습니다');
    await i18n.changeLanguage('zh');
    expect(i18n.t('{{count}} pods could not be evicted', { ns: 'platform', count: 2 })).toBe('2 个容器组无法驱逐');
  });
});
