import i18n from 'i18next';
import '../i18n';
import { ApiError, NetworkError, type Status } from './client';
import { describeError, eventMessage, fieldError, isForbidden, isNotFound, quotaRefusal } from './errors';

const t = i18n.getFixedT('en', 'common');

function status(code: number, message: string, causes?: { field?: string; reason?: string; message?: string }[]): ApiError {
  const s: Status = { kind: 'Status', status: 'Failure', code, message, details: causes ? { causes } : undefined };
  return new ApiError(code, s);
}

describe('describeError', () => {
  it.each([
    ['no answer at all is the network, with a retry', new NetworkError(new TypeError('Failed to fetch')), 'network', 'The console cannot reach the server', true],
    ["a browser's fetch failure is the network too", new TypeError('Failed to fetch'), 'network', 'The console cannot reach the server', true],
    ['a 401 is the end of the session', status(401, 'the session has ended'), 'unauthorized', 'Your session has ended', false],
    ['a 403 is not allowed, never retried', status(403, 'pods is forbidden: user v may not list pods'), 'forbidden', 'Not allowed', false],
    ['a 404 is not found', status(404, 'deployments.apps "x" not found'), 'notfound', 'Not found', false],
    ['a 422 names invalid values', status(422, 'User "x" is invalid'), 'invalid', 'Some values are not valid', false],
    ['a 429 asks to wait', new ApiError(429, { code: 429, message: 'too many' }, 12), 'ratelimited', 'Too many attempts', true],
    ['a 503 is a server not available now', status(503, 'ke-apiserver cannot be reached'), 'unavailable', 'The server is not available right now', true],
    ['a 500 is a server fault', status(500, 'boom'), 'server', 'The server failed', true],
  ])('%s', (_name, err, kind, title, retryable) => {
    const d = describeError(err, t);
    expect(d.kind).toBe(kind);
    expect(d.title).toBe(title);
    expect(d.retryable).toBe(retryable);
    expect(d.title).not.toContain('Something went wrong');
  });

  it('says why acting on a user who holds more is refused, and keeps the server text as a detail only', () => {
    const msg = 'users.iam.superkube.io "admin" is forbidden: user mona may not act on user admin, who may * */*, which user mona may not';
    const d = describeError(status(403, msg), t);
    expect(d.detail).toBe('admin holds permissions that you do not hold (* */*), so you may not change this user.');
    expect(d.serverMessage).toBe(msg);
  });

  it('says why taking a role away is refused', () => {
    const d = describeError(status(403, 'user w may not take role admin away from a member: it allows delete pods in namespace dev, which user w may not'), t);
    expect(d.detail).toBe('Role admin allows what you may not do yourself (delete pods), so you may not take it away.');
  });

  it('says how long to wait when the server says so', () => {
    expect(describeError(new ApiError(429, { code: 429 }, 30), t).detail).toBe('Wait 30 seconds, then try again.');
  });

  it("turns the causes of an invalid request into messages per field, in the user's words", () => {
    const d = describeError(
      status(422, 'User "Bad_Name" is invalid', [
        { field: 'metadata.name', reason: 'FieldValueInvalid', message: 'Invalid value: "Bad_Name": a lowercase RFC 1123 label must ...' },
        { field: 'spec.email', reason: 'FieldValueInvalid', message: 'Invalid value: "x": must be an e-mail address such as alice@example.com' },
        { field: 'spec.password', reason: 'FieldValueInvalid', message: 'Invalid value: "": must be 8 to 72 bytes long' },
        { field: 'spec.password', reason: 'FieldValueInvalid', message: 'Invalid value: "": must not contain the user name' },
      ]),
      t,
    );
    expect(d.fields['metadata.name']).toEqual(['Use lower-case letters, digits and hyphens (-), starting and ending with a letter or digit, at most 63 characters.']);
    expect(d.fields['spec.email']).toEqual(['Enter an e-mail address such as alice@example.com.']);
    expect(d.fields['spec.password']).toEqual(['Use 8 to 72 characters.', 'The password must not contain the user name.']);
    expect(d.detail).toBe('Correct the marked fields.');
  });

  it('names taken names and e-mails, unknown users and the role-name prefix', () => {
    const taken = describeError(status(409, 'exists', [{ field: 'spec.email', reason: 'FieldValueDuplicate', message: 'an e-mail of another user' }]), t);
    expect(taken.kind).toBe('conflict');
    expect(fieldError(taken, 'spec.email')).toBe('Another user has this e-mail address.');
    const unknown = describeError(status(422, 'invalid', [{ field: 'username', reason: 'FieldValueNotFound', message: 'Not found: "nobody"' }]), t);
    expect(fieldError(unknown, 'username')).toBe('There is no user of this name.');
    const prefix = describeError(status(422, 'invalid', [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: 'Invalid value: "deployer": must start with "acme-": ...' }]), t);
    expect(fieldError(prefix, 'metadata.name')).toBe('The name must start with acme-.');
    const current = describeError(status(422, 'invalid', [{ field: 'currentPassword', reason: 'FieldValueInvalid', message: 'Invalid value: "": is not the current password' }]), t);
    expect(fieldError(current, 'currentPassword')).toBe('This is not your current password.');
  });

  it.each([
    ['a snapshot of a claim whose class cannot snapshot names the provisioner', 'spec.source.persistentVolumeClaimName', 'Invalid value: "data": the claim\'s storage class "plain" cannot snapshot: no VolumeSnapshotClass has its provisioner "example.com/no-snapshots" as driver', 'The claim’s storage class cannot take snapshots: no snapshot class has its provisioner example.com/no-snapshots as driver.'],
    ['an expansion of a class that does not allow it', 'spec.resources.requests.storage', 'Invalid value: "2Gi": the claim\'s storage class "plain" does not allow volume expansion (allowVolumeExpansion is not true)', 'The claim’s storage class does not allow expansion.'],
    ['a smaller size', 'spec.resources.requests.storage', 'Invalid value: "1Gi": must not be less than the current request 2Gi: volumes cannot shrink', 'Must not be smaller than the current size: volumes cannot shrink.'],
    ['a restore smaller than the snapshot', 'spec.resources.requests.storage', 'Invalid value: "1Gi": must not be less than the snapshot\'s restore size 2Gi', 'Must not be smaller than the snapshot.'],
    ['a malformed CIDR of a NetworkIsolation', 'spec.allowedSources[0].cidrs[0].cidr', 'Invalid value: "10.0.0.0/33": must be a CIDR such as 10.0.0.0/8 or fd00::/8', 'Enter a CIDR such as 10.0.0.0/8 or fd00::/8.'],
    ['an except outside its CIDR', 'spec.allowedSources[0].cidrs[0].except', 'Invalid value: "array": every except entry must lie inside cidr', 'Every except entry must lie inside the CIDR.'],
    ['a port out of range', 'spec.allowedSources[0].ports[0].port', 'Invalid value: 70000: must be a port number between 1 and 65535', 'Enter a port number from 1 to 65535.'],
  ])('says what is wrong with storage and network input: %s', (_name, field, message, want) => {
    expect(describeError(status(422, 'invalid', [{ field, reason: 'FieldValueInvalid', message }]), t).fields[field]).toEqual([want]);
  });

  it('speaks Korean and Chinese', async () => {
    const { loadLanguage } = await import('../i18n');
    await loadLanguage('ko');
    await loadLanguage('zh');
    expect(describeError(new NetworkError(), i18n.getFixedT('ko', 'common')).title).toBe('콘솔이 서버에 연결할 수 없습니다');
    expect(describeError(status(403, 'no'), i18n.getFixedT('zh', 'common')).title).not.toBe('Not allowed');
  });
});

describe('fieldError', () => {
  it('finds a message for a field or anything below it', () => {
    const d = describeError(status(422, 'x', [{ field: 'templates[2]', reason: 'FieldValueNotFound', message: 'Not found' }]), t);
    expect(fieldError(d, 'templates')).toBe('Nothing of this name exists.');
    expect(fieldError(d, 'metadata.name')).toBeUndefined();
    expect(fieldError(undefined, 'x')).toBeUndefined();
  });
});

describe('whole-page states', () => {
  it('tells refusals and missing objects from other errors', () => {
    expect(isForbidden(status(403, 'no'))).toBe(true);
    expect(isNotFound(status(404, 'gone'))).toBe(true);
    expect(isForbidden(new NetworkError())).toBe(false);
  });
});

describe('the causes of an invalid quota or limit range', () => {
  it.each([
    ['spec.hard[pods]', 'Invalid value: "-1": must be greater than or equal to 0', 'Must not be negative.'],
    ['spec.hard[pods]', 'Invalid value: "1500m": must be an integer', 'Enter a whole number, such as 10.'],
    ['spec.hard[cpu]', "Invalid value: \"x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", 'Enter a quantity such as 500m, 2, 512Mi or 4Gi.'],
    ['spec.limits[0].min[cpu]', 'Invalid value: "2": min value 2 is greater than max value 1', 'Must not be above the maximum (1).'],
    ['spec.limits[0].defaultRequest[memory]', 'Invalid value: "64Mi": min value 128Mi is greater than default request value 64Mi', 'Must not be below the minimum (128Mi).'],
    ['spec.limits[0].default[cpu]', 'Invalid value: "4": default value 4 is greater than max value 2', 'Must not be above the maximum (2).'],
    ['spec.limits[0].defaultRequest[cpu]', 'Invalid value: "1": default request value 1 is greater than default limit value 500m', 'Must not be above the default limit (500m).'],
  ])('%s: %s', (field, message, want) => {
    const d = describeError(status(422, 'invalid', [{ field, reason: 'FieldValueInvalid', message }]), t);
    expect(fieldError(d, field)).toBe(want);
  });
});

describe('the workspace quota webhook', () => {
  const refusal = 'admission webhook "quota.admission.superkube.io" denied the request: exceeded workspace quota "ws-a" of workspace ws-a: requested limits.cpu=1, used 4 of 4 (0 left)';
  const unreachable =
    'Internal error occurred: failed calling webhook "quota.admission.superkube.io": failed to call webhook: Post "https://localhost:10284/validate-quota?timeout=10s": dial tcp 127.0.0.1:10284: connect: connection refused';

  it('makes a create refused by the quota readable, with the quota, the resource, the request and what is left', () => {
    const d = describeError(status(403, `pods "web-1" is forbidden: ${refusal}`), t);
    expect(d.kind).toBe('forbidden');
    expect(d.title).toBe('Workspace quota exceeded');
    expect(d.detail).toBe('Workspace quota exceeded: exceeded workspace quota "ws-a" of workspace ws-a: requested limits.cpu=1, used 4 of 4 (0 left)');
    expect(d.retryable).toBe(false);
    expect(d.serverMessage).toContain('quota.admission.superkube.io');
  });

  it('says the quota service is not answering when kube-apiserver cannot call the webhook, and that trying again may work', () => {
    const d = describeError(status(500, unreachable), t);
    expect(d.kind).toBe('unavailable');
    expect(d.title).toBe('The workspace quota service is not answering');
    expect(d.detail).toContain('creates in this workspace are refused until it is back (failure policy Fail)');
    expect(d.retryable).toBe(true);
  });

  it('reads the same messages in a FailedCreate event, and leaves other messages as they are', () => {
    expect(eventMessage(`Error creating: pods "web-5d9-x" is forbidden: ${refusal}`, t)).toBe(
      'Workspace quota exceeded: exceeded workspace quota "ws-a" of workspace ws-a: requested limits.cpu=1, used 4 of 4 (0 left)',
    );
    expect(eventMessage(`Error creating: ${unreachable}`, t)).toMatch(/^The workspace quota service is not answering; creates in this workspace are refused/);
    expect(eventMessage('Created pod: web-5d9-x', t)).toBe('Created pod: web-5d9-x');
    expect(eventMessage(undefined, t)).toBe('');
    // Another webhook's refusal, or a native quota's, is not the workspace quota.
    expect(quotaRefusal('admission webhook "other.example.com" denied the request: no', t)).toBeUndefined();
    expect(quotaRefusal('pods "x" is forbidden: exceeded quota: project-quota, requested: pods=1, used: pods=10, limited: pods=10', t)).toBeUndefined();
    expect(describeError(status(403, 'pods is forbidden: user v may not list pods'), t).title).toBe('Not allowed');
  });

  it('names the CRD refusing a resource a workspace quota cannot limit', () => {
    const d = describeError(
      status(422, 'ResourceQuota.quota.superkube.io "ws-a" is invalid', [
        { field: 'spec.hard', reason: 'FieldValueInvalid', message: 'Invalid value: "object": only cpu, memory, storage, ephemeral-storage and the counts of pods, persistentvolumeclaims, services, configmaps, secrets, deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs and ingresses can be limited' },
      ]),
      t,
    );
    expect(d.fields['spec.hard']).toEqual(['Only CPU, memory, storage, ephemeral storage and the counts of pods, claims, services, ConfigMaps, Secrets, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Ingresses can be limited.']);
  });
});
