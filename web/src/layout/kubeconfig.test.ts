import { kubeconfigExpiry } from './kubeconfig';

function jwt(claims: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'RS256' })}.${b64(claims)}.c2lnbmF0dXJl`;
}

describe('kubeconfigExpiry', () => {
  it("reads when the kubeconfig's token stops working", () => {
    const text = `apiVersion: v1\nkind: Config\nusers:\n- name: ada\n  user:\n    token: ${jwt({ sub: 'ada', exp: 1893456000 })}\n`;
    expect(kubeconfigExpiry(text)?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('says nothing of a kubeconfig without such a token', () => {
    expect(kubeconfigExpiry('users:\n- name: x\n  user:\n    client-certificate-data: abc\n')).toBeUndefined();
    expect(kubeconfigExpiry(`    token: ${jwt({ sub: 'ada' })}`)).toBeUndefined();
    expect(kubeconfigExpiry('    token: not.a-jwt.at-all')).toBeUndefined();
  });
});
