/**
 * The strategy of each factor, looked up by the factor's name. The type makes a factor without a strategy
 * (or a strategy filed under another factor's name) a compile error.
 */
import type { Factor } from '../factors.js';
import type { FactorStrategy } from './strategy.js';
import { passwordStrategy } from './password.js';
import { totpStrategy } from './totp.js';
import { webauthnStrategy } from './webauthn.js';
import { recoveryStrategy } from './recovery.js';

const strategies = {
  password: passwordStrategy,
  totp: totpStrategy,
  webauthn: webauthnStrategy,
  recovery: recoveryStrategy,
} as const satisfies { readonly [F in Factor]: FactorStrategy<F, never> };

/** What a step of factor `F` takes from the request (the strategy's input). */
export type FactorInput<F extends Factor> = Parameters<(typeof strategies)[F]['verify']>[3];

/** The factors whose step is a code typed into a form (`{ code }`). */
export type CodeFactor = { [F in Factor]: FactorInput<F> extends { code: string } ? F : never }[Factor];

/** The strategy that checks `factor`. */
export function strategyFor<F extends Factor>(factor: F): FactorStrategy<F, FactorInput<F>> {
  return strategies[factor] as unknown as FactorStrategy<F, FactorInput<F>>;
}
