import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { finished, problemAt } from './devops';

describe('problemAt', () => {
  it('reads the line and the message of a 422 from its causes', () => {
    const jenkins = new ApiError(422, { code: 422, message: 'Jenkinsfile "" is invalid', details: { causes: [{ field: 'spec.definition.stages[0]', message: 'Invalid value: null: line 7, column 3: agent docker is not supported' }] } });
    expect(problemAt(jenkins)).toEqual({ line: 7, message: 'agent docker is not supported' });
    const parse = new ApiError(422, { code: 422, details: { causes: [{ field: 'spec.definition.stages[0].steps[1].retry', message: 'Invalid value: 20: line 9: must be at most 10' }] } });
    expect(problemAt(parse)).toEqual({ line: 9, message: 'must be at most 10' });
    expect(problemAt(new ApiError(422, { message: 'no place' }))).toEqual({ message: 'no place' });
    expect(problemAt(new ApiError(403, {}))).toBeUndefined();
  });
});

describe('finished', () => {
  it('tells the final phases', () => {
    expect(['Succeeded', 'Failed', 'Cancelled', 'Skipped'].every(finished)).toBe(true);
    expect(['Pending', 'Queued', 'Running', 'Waiting', undefined].some(finished)).toBe(false);
  });
});
