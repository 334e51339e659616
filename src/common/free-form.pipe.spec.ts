import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage, registerDecorator } from 'class-validator';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A class, as class-validator keys its metadata. */
type Class = abstract new (...args: never[]) => unknown;

/** The DTO classes' constraints that only an asynchronous walk checks (validateSync passes over them). */
function asyncConstraints(classes: Class[]): string[] {
  const storage = getMetadataStorage();
  return classes.flatMap((cls) =>
    storage
      .getTargetValidationMetadatas(cls, '', true, false)
      .flatMap((m) => storage.getTargetValidatorConstraints(m.constraintCls))
      .filter((c) => c.async)
      .map((c) => `${cls.name}: ${c.name}`),
  );
}

async function dtoClasses(): Promise<Class[]> {
  const root = join(import.meta.dirname, '..');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dto.ts'));
  const classes: Class[] = [];
  // One at a time: Jest's module linker does not take concurrent imports of shared dependencies.
  for (const file of files) {
    const module = (await import(join(root, file))) as Record<string, unknown>;
    classes.push(...Object.values(module).filter((v): v is Class => typeof v === 'function'));
  }
  return classes;
}

describe('FreeFormValidationPipe validates synchronously', () => {
  it('is safe because no DTO carries an asynchronous constraint', async () => {
    const classes = await dtoClasses();
    const checks = classes.flatMap((cls) =>
      getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false),
    );
    expect(checks.length).toBeGreaterThan(100);
    expect(asyncConstraints(classes)).toEqual([]);
  });

  it('would be told by this check of a DTO that did', () => {
    class WithAsyncCheck {
      name = '';
    }
    registerDecorator({
      name: 'looksUpSomething',
      target: WithAsyncCheck,
      propertyName: 'name',
      async: true,
      validator: { validate: () => Promise.resolve(true) },
    });
    expect(asyncConstraints([WithAsyncCheck])).toEqual(['WithAsyncCheck: looksUpSomething']);
  });
});
