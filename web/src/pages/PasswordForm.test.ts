import { passwordProblem } from './PasswordForm';

describe('the password rule', () => {
  it('takes 8 to 72 bytes mixing three classes, as ke-apiserver does', () => {
    expect(passwordProblem('Short1')).toBeDefined();
    expect(passwordProblem('alllowercase')).toBeDefined();
    expect(passwordProblem('lowerUPPER123')).toBeUndefined();
    expect(passwordProblem('lower-and-123')).toBeUndefined();
    expect(passwordProblem('A1a'.repeat(25))).toBeDefined();
  });

  it('refuses the user name in the password, whatever its case', () => {
    expect(passwordProblem('Ada-L0velace', 'ada')).toBe('The password must not contain the user name.');
    expect(passwordProblem('Lovelace-1815', 'ada')).toBeUndefined();
    expect(passwordProblem('Ada-L0velace')).toBeUndefined();
  });
});
