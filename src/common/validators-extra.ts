import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A plain object whose every value is a boolean (e.g. declared exclusions keyed by policy code). */
export function IsBooleanRecord(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBooleanRecord',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an object of booleans keyed by exclusion code`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 50 &&
          Object.entries(value).every(([key, v]) => /^[a-z0-9-]{1,60}$/.test(key) && typeof v === 'boolean'),
      },
    });
}
