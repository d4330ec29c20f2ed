/** DI tokens of the framework-free domain services the edge wraps. */
export const AWARD_SERVICE = Symbol.for('AWARD_SERVICE');
export const POLICY_REGISTRY = Symbol.for('POLICY_REGISTRY');
export const WORKING_DAY_CALENDAR = Symbol.for('WORKING_DAY_CALENDAR');
