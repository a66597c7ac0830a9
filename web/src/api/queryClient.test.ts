import { ApiError, NetworkError } from './client';
import { onlineManager } from '@tanstack/react-query';
import { queryClient, shouldRetry } from './queryClient';

describe('which failed reads are asked again', () => {
  it.each([
    ['a refusal (403) never: the answer would be the same', new ApiError(403, { code: 403 }), 0, false],
    ['a missing object (404) never', new ApiError(404, { code: 404 }), 0, false],
    ['no answer, twice', new NetworkError(), 1, true],
    ['no answer, not a third time', new NetworkError(), 2, false],
    ['a server fault, twice', new ApiError(503, { code: 503 }), 0, true],
  ])('%s', (_name, err, count, want) => {
    expect(shouldRetry(count, err)).toBe(want);
  });
});

describe('reads while the browser says it is offline', () => {
  afterEach(() => onlineManager.setOnline(true));

  it('fail and say so, rather than wait unseen (which showed empty lists)', async () => {
    onlineManager.setOnline(false);
    const read = queryClient.fetchQuery({
      queryKey: ['offline-test'],
      queryFn: () => Promise.reject(new NetworkError()),
      retry: false,
    });
    await expect(read).rejects.toBeInstanceOf(NetworkError);
  });
});
