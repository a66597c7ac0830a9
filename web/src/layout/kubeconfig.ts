/**
 * kubeconfigExpiry reads when a downloaded kubeconfig stops working: the
 * expiry of its token (a JWT). Undefined when it has no token of that form.
 */
export function kubeconfigExpiry(text: string): Date | undefined {
  const token = /^\s*token:\s*["']?([\w-]+\.([\w-]+)\.[\w-]+)["']?\s*$/m.exec(text)?.[2];
  if (!token) return undefined;
  try {
    const json = atob(token.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(token.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
